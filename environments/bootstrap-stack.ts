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
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { CiAccess } from '../modules/ci-access/index.js';
import type { AwsContext } from '../modules/lib/aws-context.js';
import { fargateTaskRoleNames } from '../modules/lib/fargate-task.js';
import { denyInsecureTransport, policyDocument } from '../modules/lib/iam.js';
import { boundaryArn, workloadBoundaryName } from '../modules/lib/permissions-boundary.js';
import type { EnvironmentConfig } from './config.js';
import { ownTags, stateKey } from './fleet-stack.js';
import { resourceNames } from './names.js';

/**
 * What an administrator applies once per environment, before the environment itself (`make deploy
 * ENV=<env>-bootstrap`), and what CI must never change: the state bucket (versioned, encrypted,
 * private, TLS only, protected from `terraform destroy`), the permissions boundaries and the CI roles
 * with the GitHub OIDC trust (modules/ci-access). Its own state stays in a local file
 * (infra/bootstrap/, not committed): the bucket cannot hold the state that creates it.
 */
export class BootstrapStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: EnvironmentConfig, options: { localStatePath: string }) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: ownTags(config) }],
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

    const names = resourceNames(config.name);
    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const aws: AwsContext = { partition: partition.partition, region: config.region, accountId: account.accountId };
    const ci = new CiAccess(this, 'ci', {
      aws,
      prefix: names.prefix,
      logGroupPrefix: names.logGroupPrefix,
      clusterName: names.cluster,
      stateBucket: config.state.bucket,
      stateKey: stateKey(config),
      ownTags: ownTags(config),
      workloadBoundaryArn: boundaryArn(aws, workloadBoundaryName(names.prefix)),
      githubRepository: config.ci.githubRepository,
      githubEnvironment: config.ci.githubEnvironment,
      pullRequestPlans: config.ci.pullRequestPlans,
      oidcProvider: config.ci.oidcProvider,
      prewarm: {
        clusterName: names.cluster,
        scalerServiceName: names.scalerService,
        scalerTaskFamily: names.scalerService,
        scalerRoleNames: Object.values(fargateTaskRoleNames(names.scalerService)),
      },
    });

    const outputs: Record<string, string> = {
      state_bucket: bucket.bucket,
      permissions_boundary_arn: ci.workloadBoundaryArn,
      ci_plan_role_arn: ci.planRoleArn,
      ci_apply_role_arn: ci.applyRoleArn,
      ci_prewarm_role_arn: ci.prewarmRoleArn,
      ...(ci.pullRequestPlanRoleArn ? { ci_pr_plan_role_arn: ci.pullRequestPlanRoleArn } : {}),
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }
}
