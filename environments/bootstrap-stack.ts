import type { Construct } from 'constructs';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration/index.js';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls/index.js';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { denyInsecureTransport, policyDocument } from '../modules/lib/iam.js';
import type { EnvironmentConfig } from './config.js';

/**
 * The state bucket of one environment, applied once before the environment itself (`make deploy
 * ENV=<env>-bootstrap`). Its own tiny state stays in a local file (infra/bootstrap/, not committed):
 * the bucket cannot hold the state that creates it. Versioned, encrypted, private, TLS only, and
 * protected from `terraform destroy`.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: EnvironmentConfig, options: { localStatePath: string }) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { Project: 'agentfleet', Environment: config.name, ManagedBy: 'cdktf' } }],
    });
    new LocalBackend(this, { path: options.localStatePath });

    const bucket = new S3Bucket(this, 'state', { bucket: config.state.bucket, lifecycle: { preventDestroy: true } });
    new S3BucketVersioningA(this, 'versioning', { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfigurationA(this, 'encryption', {
      bucket: bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    });
    new S3BucketPublicAccessBlock(this, 'private', {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketPolicy(this, 'tls-only', {
      bucket: bucket.id,
      policy: policyDocument([denyInsecureTransport(['s3:*'], [bucket.arn, `${bucket.arn}/*`])]),
    });
    new S3BucketLifecycleConfiguration(this, 'old-versions', {
      bucket: bucket.id,
      rule: [{ id: 'expire-old-state-versions', status: 'Enabled', filter: [{}], noncurrentVersionExpiration: [{ noncurrentDays: 90 }] }],
    });
    new TerraformOutput(this, 'state_bucket', { value: bucket.bucket });
  }
}
