import type { AwsProviderEndpoints } from '@cdktf/provider-aws/lib/provider/index.js';

/**
 * Deploying a stack to an AWS emulator (moto_server) instead of AWS: the same construct tree, with
 * the provider pointed at the emulator and the few parts it cannot create left out.
 */

export interface EmulatorTarget {
  endpoint: string;
  /** REDIS_URL the services get, since the managed Redis is left out. */
  redisUrl: string;
}

/**
 * What the emulator run leaves out, and why. Everything else is the same construct tree as in AWS.
 */
export const EMULATOR_LEAVES_OUT = {
  'run-state':
    'moto_server creates an ElastiCache replication group without its cache clusters (DescribeCacheClusters: 404), so ' +
    'Terraform cannot read it back; a plain secret carries the given REDIS_URL instead',
  'cost-guard': 'moto_server answers Budgets DescribeSubscribersForNotification with a 500, so Terraform cannot read a budget back',
  'api-autoscaling': 'moto_server answers Application Auto Scaling ListTagsForResource with a 500; the API runs at minTasks',
} as const;

const EMULATED_SERVICES = [
  'applicationautoscaling', 'autoscaling', 'budgets', 'cloudwatch', 'cloudwatchlogs', 'ec2', 'ecr', 'ecs', 'elasticache',
  'elbv2', 'iam', 'kms', 's3', 'secretsmanager', 'sns', 'sqs', 'ssm', 'sts',
] as const satisfies readonly (keyof AwsProviderEndpoints)[];

/** Provider settings that send every call to the emulator and skip checks that need real AWS. */
export function emulatorProviderSettings(endpoint: string) {
  return {
    accessKey: 'emulator',
    secretKey: 'emulator',
    skipCredentialsValidation: true,
    skipRequestingAccountId: true,
    skipMetadataApiCheck: 'true',
    skipRegionValidation: true,
    s3UsePathStyle: true,
    maxRetries: 1,
    endpoints: [Object.fromEntries(EMULATED_SERVICES.map((service) => [service, endpoint]))],
  };
}

