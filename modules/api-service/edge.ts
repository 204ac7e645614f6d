import { Construct } from 'constructs';
import { DataAwsElbServiceAccount } from '@cdktf/provider-aws/lib/data-aws-elb-service-account/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl/index.js';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association/index.js';
import type { AwsContext } from '../lib/aws-context.js';
import { denyInsecureTransport, policyDocument } from '../lib/iam.js';

/** Prefix of the load balancer's objects in the log bucket. */
const LOG_PREFIX = 'alb';

export interface ApiEdgeProps {
  /** Names the web ACL and the log bucket (with the account id, as bucket names are global). */
  name: string;
  rateLimitPerIpPer5Minutes: number;
  accessLogRetentionDays: number;
  aws: AwsContext;
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });

/**
 * What stands in front of a public load balancer in prod: a WAF web ACL (AWS managed common rules,
 * then a per-client-IP rate limit) and a private, encrypted, TLS-only bucket its access logs go to.
 * The API service turns logging on and calls {@link ApiEdge.associate}.
 */
export class ApiEdge extends Construct {
  readonly webAclArn: string;
  readonly logBucket: string;
  readonly logPrefix = LOG_PREFIX;
  /** The bucket policy: the load balancer checks it may write before it turns logging on. */
  readonly policyDependency: S3BucketPolicy;

  constructor(scope: Construct, id: string, props: ApiEdgeProps) {
    super(scope, id);
    const acl = new Wafv2WebAcl(this, 'web-acl', {
      name: props.name,
      scope: 'REGIONAL',
      description: 'agentfleet API: AWS managed common rules and a per-IP rate limit',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      rule: [
        {
          name: 'aws-common-rules',
          priority: 0,
          overrideAction: { none: {} },
          // `statement` is passed through untyped (it nests without end), so it is written in Terraform's own names.
          statement: {
            managed_rule_group_statement: {
              vendor_name: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
              // The rule set blocks bodies over 8 KB; POST /v1/runs accepts up to 256 KiB (the API enforces it).
              rule_action_override: [{ name: 'SizeRestrictions_BODY', action_to_use: { count: {} } }],
            },
          },
          visibilityConfig: visibility(`${props.name}-common`),
        },
        {
          name: 'per-ip-rate-limit',
          priority: 1,
          action: { block: {} },
          statement: { rate_based_statement: { limit: props.rateLimitPerIpPer5Minutes, aggregate_key_type: 'IP' } },
          visibilityConfig: visibility(`${props.name}-rate`),
        },
      ],
    });

    const bucket = new S3Bucket(this, 'logs', { bucket: `${props.name}-alb-logs-${props.aws.accountId}` });
    // Load balancers deliver access logs only to SSE-S3 buckets (not SSE-KMS).
    new S3BucketServerSideEncryptionConfigurationA(this, 'logs-encryption', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketPublicAccessBlock(this, 'logs-private', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'logs-ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketLifecycleConfiguration(this, 'logs-expiry', {
      bucket: bucket.id,
      rule: [{ id: 'expire-access-logs', status: 'Enabled', filter: [{}], expiration: [{ days: props.accessLogRetentionDays }] }],
    });
    // The region's Elastic Load Balancing account writes the logs (AWS docs: "Enable access logs").
    const elb = new DataAwsElbServiceAccount(this, 'elb-account');
    const policy = new S3BucketPolicy(this, 'logs-policy', {
      bucket: bucket.id,
      policy: policyDocument([
        {
          sid: 'LoadBalancerDeliversLogs',
          principals: { AWS: [elb.arn] },
          actions: ['s3:PutObject'],
          resources: [`${bucket.arn}/${LOG_PREFIX}/AWSLogs/${props.aws.accountId}/*`],
        },
        denyInsecureTransport(['s3:*'], [bucket.arn, `${bucket.arn}/*`]),
      ]),
    });
    this.policyDependency = policy;
    this.webAclArn = acl.arn;
    this.logBucket = bucket.bucket;
  }

  /** Puts the web ACL in front of the load balancer. */
  associate(loadBalancerArn: string): void {
    new Wafv2WebAclAssociation(this, 'association', { resourceArn: loadBalancerArn, webAclArn: this.webAclArn });
  }
}
