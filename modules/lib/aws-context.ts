/** Where the stack deploys, for building ARNs: partition, region and account id (tokens at synth time). */
export interface AwsContext {
  partition: string;
  region: string;
  accountId: string;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; pass `region: ''` for global services. */
export function arn(aws: AwsContext, service: string, resource: string, options: { region?: string; account?: string } = {}): string {
  return `arn:${aws.partition}:${service}:${options.region ?? aws.region}:${options.account ?? aws.accountId}:${resource}`;
}
