import { arn, type AwsContext } from '../lib/aws-context.js';
import type { PolicyStatement } from '../lib/iam.js';
import { boundedRoleStatements, guardRailStatements } from './guard-rails.js';
import type { PermissionScope } from './scope.js';
import { taggedReadStatements, taggedWriteStatements } from './tagged.js';

/**
 * What CI needs to plan and to apply an agentfleet environment, service by service. Every action is
 * named; resources are this environment's: by name prefix wherever the service names resources by
 * what we call them, and by the tags the stack's provider sets on everything (`default_tags`) where
 * AWS names them by generated ids (EC2, KMS). `*` appears only for actions AWS authorizes against
 * "*" alone (Describe/List calls and a few others), as the IAM service authorization reference lists
 * them.
 */

interface ServiceAccess {
  sid: string;
  read: string[];
  write: string[];
  resources: (scope: PermissionScope) => string[];
}

/** Actions AWS accepts only with `"Resource": "*"`. */
const UNSCOPED: ServiceAccess = {
  sid: 'NoResourceLevelPermissions',
  read: [
    'ec2:Describe*',
    'autoscaling:Describe*',
    'elasticloadbalancing:Describe*',
    'application-autoscaling:Describe*',
    'ecs:DescribeTaskDefinition',
    'logs:DescribeLogGroups',
    'iam:ListOpenIDConnectProviders',
    'secretsmanager:GetRandomPassword',
  ],
  write: ['ecs:RegisterTaskDefinition', 'ecs:DeregisterTaskDefinition', 'ecr:GetAuthorizationToken'],
  resources: () => ['*'],
};

const SERVICES: ServiceAccess[] = [
  {
    sid: 'OwnAutoScalingGroups',
    read: [],
    write: [
      'autoscaling:CreateAutoScalingGroup', 'autoscaling:UpdateAutoScalingGroup', 'autoscaling:DeleteAutoScalingGroup',
      'autoscaling:CreateOrUpdateTags', 'autoscaling:DeleteTags',
      'autoscaling:PutLifecycleHook', 'autoscaling:DeleteLifecycleHook',
      'autoscaling:PutScheduledUpdateGroupAction', 'autoscaling:DeleteScheduledAction',
      'autoscaling:PutScalingPolicy', 'autoscaling:DeletePolicy',
      'autoscaling:EnableMetricsCollection', 'autoscaling:DisableMetricsCollection',
      'autoscaling:StartInstanceRefresh', 'autoscaling:CancelInstanceRefresh',
    ],
    resources: ({ aws, prefix }) => [arn(aws, 'autoscaling', `autoScalingGroup:*:autoScalingGroupName/${prefix}-*`)],
  },
  {
    sid: 'OwnLoadBalancer',
    read: [],
    write: [
      'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:DeleteLoadBalancer',
      'elasticloadbalancing:ModifyLoadBalancerAttributes', 'elasticloadbalancing:SetSecurityGroups', 'elasticloadbalancing:SetSubnets',
      'elasticloadbalancing:CreateTargetGroup', 'elasticloadbalancing:DeleteTargetGroup',
      'elasticloadbalancing:ModifyTargetGroup', 'elasticloadbalancing:ModifyTargetGroupAttributes',
      'elasticloadbalancing:CreateListener', 'elasticloadbalancing:DeleteListener', 'elasticloadbalancing:ModifyListener',
      'elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags',
      // Associating the WAF web ACL with the load balancer.
      'elasticloadbalancing:SetWebAcl',
    ],
    resources: ({ aws, prefix }) => [
      arn(aws, 'elasticloadbalancing', `loadbalancer/app/${prefix}-*/*`),
      arn(aws, 'elasticloadbalancing', `targetgroup/${prefix}-*/*`),
      arn(aws, 'elasticloadbalancing', `listener/app/${prefix}-*/*/*`),
    ],
  },
  {
    sid: 'OwnEcsClusterAndServices',
    read: ['ecs:DescribeClusters', 'ecs:DescribeServices', 'ecs:ListTagsForResource'],
    write: [
      'ecs:CreateCluster', 'ecs:UpdateCluster', 'ecs:UpdateClusterSettings', 'ecs:DeleteCluster', 'ecs:PutClusterCapacityProviders',
      'ecs:CreateService', 'ecs:UpdateService', 'ecs:DeleteService', 'ecs:TagResource', 'ecs:UntagResource',
    ],
    resources: ({ aws, prefix }) => [
      arn(aws, 'ecs', `cluster/${prefix}`),
      arn(aws, 'ecs', `service/${prefix}/*`),
      arn(aws, 'ecs', `task-definition/${prefix}-*:*`),
    ],
  },
  {
    sid: 'OwnElastiCache',
    read: ['elasticache:DescribeReplicationGroups', 'elasticache:DescribeCacheClusters', 'elasticache:DescribeCacheSubnetGroups',
      'elasticache:DescribeCacheParameterGroups', 'elasticache:DescribeCacheParameters', 'elasticache:ListTagsForResource'],
    write: [
      'elasticache:CreateReplicationGroup', 'elasticache:ModifyReplicationGroup', 'elasticache:DeleteReplicationGroup',
      'elasticache:CreateCacheSubnetGroup', 'elasticache:ModifyCacheSubnetGroup', 'elasticache:DeleteCacheSubnetGroup',
      'elasticache:CreateCacheParameterGroup', 'elasticache:ModifyCacheParameterGroup', 'elasticache:DeleteCacheParameterGroup',
      'elasticache:CreateSnapshot', 'elasticache:AddTagsToResource', 'elasticache:RemoveTagsFromResource',
    ],
    // Member clusters are `<group>-001`…, final snapshots `<group>-final`; all start with the prefix.
    resources: ({ aws, prefix }) =>
      ['replicationgroup', 'cluster', 'subnetgroup', 'parametergroup', 'snapshot'].map((type) => arn(aws, 'elasticache', `${type}:${prefix}-*`)),
  },
  {
    sid: 'OwnScalableTargets',
    read: ['application-autoscaling:ListTagsForResource'],
    write: [
      'application-autoscaling:RegisterScalableTarget', 'application-autoscaling:DeregisterScalableTarget',
      'application-autoscaling:PutScalingPolicy', 'application-autoscaling:DeleteScalingPolicy',
      'application-autoscaling:TagResource', 'application-autoscaling:UntagResource',
    ],
    resources: ({ aws }) => [arn(aws, 'application-autoscaling', 'scalable-target/*')],
  },
  {
    sid: 'OwnQueues',
    read: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:ListQueueTags', 'sqs:ListDeadLetterSourceQueues'],
    write: ['sqs:CreateQueue', 'sqs:DeleteQueue', 'sqs:SetQueueAttributes', 'sqs:TagQueue', 'sqs:UntagQueue'],
    resources: ({ aws, prefix }) => [arn(aws, 'sqs', `${prefix}-*`)],
  },
  {
    sid: 'OwnTopics',
    read: ['sns:GetTopicAttributes', 'sns:GetSubscriptionAttributes', 'sns:ListTagsForResource', 'sns:ListSubscriptionsByTopic'],
    write: ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:SetTopicAttributes', 'sns:Subscribe', 'sns:Unsubscribe',
      'sns:SetSubscriptionAttributes', 'sns:TagResource', 'sns:UntagResource'],
    resources: ({ aws, prefix }) => [arn(aws, 'sns', `${prefix}-*`)],
  },
  {
    sid: 'OwnAlarms',
    read: ['cloudwatch:DescribeAlarms', 'cloudwatch:ListTagsForResource'],
    write: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:TagResource', 'cloudwatch:UntagResource'],
    resources: ({ aws, prefix }) => [arn(aws, 'cloudwatch', `alarm:${prefix}-*`)],
  },
  {
    sid: 'OwnLogGroups',
    read: ['logs:ListTagsForResource', 'logs:ListTagsLogGroup'],
    write: ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:DeleteRetentionPolicy',
      'logs:TagResource', 'logs:UntagResource', 'logs:TagLogGroup', 'logs:UntagLogGroup'],
    resources: ({ aws, logGroupPrefix }) => [arn(aws, 'logs', `log-group:${logGroupPrefix}*`)],
  },
  {
    // Roles are changed only through the boundary-conditioned statements of writeStatements.
    sid: 'OwnRolesAndInstanceProfiles',
    read: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies',
      'iam:GetInstanceProfile', 'iam:ListInstanceProfilesForRole'],
    write: [
      'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateRoleDescription', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
      'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
      'iam:TagInstanceProfile', 'iam:UntagInstanceProfile',
    ],
    resources: ({ aws, prefix }) => [
      arn(aws, 'iam', `role/${prefix}-*`, { region: '' }),
      arn(aws, 'iam', `instance-profile/${prefix}-*`, { region: '' }),
    ],
  },
  {
    sid: 'OwnWebAcl',
    read: ['wafv2:GetWebACL', 'wafv2:ListTagsForResource', 'wafv2:GetWebACLForResource'],
    write: ['wafv2:CreateWebACL', 'wafv2:UpdateWebACL', 'wafv2:DeleteWebACL', 'wafv2:TagResource', 'wafv2:UntagResource',
      'wafv2:AssociateWebACL', 'wafv2:DisassociateWebACL'],
    resources: ({ aws, prefix }) => [
      arn(aws, 'wafv2', `regional/webacl/${prefix}-*/*`),
      arn(aws, 'wafv2', 'regional/managedruleset/*/*'),
      arn(aws, 'elasticloadbalancing', `loadbalancer/app/${prefix}-*/*`),
    ],
  },
  {
    sid: 'OwnLogBucket',
    read: ['s3:ListBucket', 's3:GetBucket*', 's3:GetEncryptionConfiguration', 's3:GetLifecycleConfiguration',
      's3:GetAccelerateConfiguration', 's3:GetReplicationConfiguration'],
    write: ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutEncryptionConfiguration',
      's3:PutBucketPublicAccessBlock', 's3:PutBucketOwnershipControls', 's3:PutLifecycleConfiguration', 's3:PutBucketTagging',
      's3:PutBucketVersioning'],
    resources: ({ aws, prefix }) => [`arn:${aws.partition}:s3:::${prefix}-*`],
  },
  {
    sid: 'OwnRepository',
    read: ['ecr:DescribeRepositories', 'ecr:GetLifecyclePolicy', 'ecr:GetRepositoryPolicy', 'ecr:ListTagsForResource'],
    write: ['ecr:CreateRepository', 'ecr:DeleteRepository', 'ecr:PutLifecyclePolicy', 'ecr:DeleteLifecyclePolicy',
      'ecr:PutImageScanningConfiguration', 'ecr:PutImageTagMutability', 'ecr:TagResource', 'ecr:UntagResource',
      // The image workflow pushes with the apply role (.github/workflows/image.yml).
      'ecr:BatchCheckLayerAvailability', 'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload',
      'ecr:PutImage', 'ecr:BatchGetImage'],
    resources: ({ aws, prefix }) => [arn(aws, 'ecr', `repository/${prefix}`)],
  },
  {
    sid: 'OwnSecrets',
    // GetSecretValue is added by readStatements only where the role may see runtime secrets.
    read: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy'],
    write: ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:UpdateSecret', 'secretsmanager:PutSecretValue',
      'secretsmanager:TagResource', 'secretsmanager:UntagResource'],
    resources: ({ aws, prefix }) => [arn(aws, 'secretsmanager', `secret:${prefix}-*`)],
  },
  {
    sid: 'PublicAmiParameters',
    read: ['ssm:GetParameter', 'ssm:GetParameters'],
    write: [],
    resources: ({ aws }) => [arn(aws, 'ssm', 'parameter/aws/service/*', { account: '' })],
  },
  {
    sid: 'OwnBudgets',
    read: ['budgets:ViewBudget', 'budgets:ListTagsForResource'],
    write: ['budgets:ModifyBudget', 'budgets:TagResource', 'budgets:UntagResource'],
    resources: ({ aws, prefix }) => [arn(aws, 'budgets', `budget/${prefix}-*`, { region: '' })],
  },
];

function stateReadStatements(scope: PermissionScope): PolicyStatement[] {
  const bucket = `arn:${scope.aws.partition}:s3:::${scope.stateBucket}`;
  return [
    { sid: 'ListState', actions: ['s3:ListBucket'], resources: [bucket] },
    { sid: 'ReadState', actions: ['s3:GetObject'], resources: [`${bucket}/${scope.stateKey}`] },
    // Terraform's native S3 locking writes and deletes `<key>.tflock`, for plans too.
    { sid: 'StateLock', actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], resources: [`${bucket}/${scope.stateKey}.tflock`] },
  ];
}

function serviceStatements(scope: PermissionScope, part: 'read' | 'write'): PolicyStatement[] {
  return [UNSCOPED, ...SERVICES]
    .filter((service) => service[part].length > 0)
    .map((service) => ({ sid: `${service.sid}${part === 'read' ? 'Read' : 'Write'}`, actions: service[part], resources: service.resources(scope) }));
}

/**
 * Read-only: enough for `terraform plan` (refresh, data sources, the state and its lock file).
 * `secretValues: false` leaves out the runtime secrets' values (and denies them outright); such a
 * role cannot refresh a secret version, so its plans run with `-refresh=false`.
 */
export function readStatements(scope: PermissionScope, options: { secretValues: boolean }): PolicyStatement[] {
  const secrets = arn(scope.aws, 'secretsmanager', `secret:${scope.prefix}-*`);
  return [
    ...serviceStatements(scope, 'read'),
    ...taggedReadStatements(scope),
    ...stateReadStatements(scope),
    options.secretValues
      ? // Refreshing a secret version reads its value.
        { sid: 'ReadOwnSecretValues', actions: ['secretsmanager:GetSecretValue'], resources: [secrets] }
      : { sid: 'DenySecretValues', effect: 'Deny', actions: ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'], resources: ['*'] },
  ];
}

/** What `terraform apply` and `destroy` need on top of {@link readStatements}, for this environment only. */
export function writeStatements(scope: PermissionScope): PolicyStatement[] {
  const { aws, prefix } = scope;
  return [
    ...serviceStatements(scope, 'write'),
    ...taggedWriteStatements(scope),
    ...boundedRoleStatements(scope),
    ...guardRailStatements(scope),
    {
      sid: 'PassOwnRolesToTheirServices',
      actions: ['iam:PassRole'],
      resources: [arn(aws, 'iam', `role/${prefix}-*`, { region: '' })],
      conditions: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com'] } },
    },
    {
      sid: 'ServiceLinkedRolesOnFirstUse',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [arn(aws, 'iam', 'role/aws-service-role/*', { region: '' })],
      conditions: {
        StringEquals: {
          'iam:AWSServiceName': [
            'autoscaling.amazonaws.com',
            'ecs.amazonaws.com',
            'elasticache.amazonaws.com',
            'elasticloadbalancing.amazonaws.com',
            'ecs.application-autoscaling.amazonaws.com',
            'spot.amazonaws.com',
          ],
        },
      },
    },
    { sid: 'WriteState', actions: ['s3:PutObject'], resources: [`arn:${aws.partition}:s3:::${scope.stateBucket}/${scope.stateKey}`] },
  ];
}

/** The one-off scaler task the pre-warm job runs inside the VPC (scripts/prewarm-ecs.sh). */
export interface PrewarmTarget {
  clusterName: string;
  scalerServiceName: string;
  scalerTaskFamily: string;
  /** The scaler's execution and task roles: ECS takes them on for the task, so the caller passes them. */
  scalerRoleNames: string[];
}

/**
 * What the pre-warm job needs and nothing more: read the scaler service (task definition, network),
 * run its task definition in its own cluster, watch that task end, and pass the scaler's roles to it.
 */
export function prewarmStatements(aws: AwsContext, target: PrewarmTarget): PolicyStatement[] {
  return [
    {
      sid: 'PrewarmReadScalerService',
      actions: ['ecs:DescribeServices'],
      resources: [arn(aws, 'ecs', `service/${target.clusterName}/${target.scalerServiceName}`)],
    },
    {
      sid: 'PrewarmRunScalerTask',
      actions: ['ecs:RunTask'],
      resources: [arn(aws, 'ecs', `task-definition/${target.scalerTaskFamily}:*`)],
      conditions: { ArnEquals: { 'ecs:cluster': arn(aws, 'ecs', `cluster/${target.clusterName}`) } },
    },
    { sid: 'PrewarmWatchTask', actions: ['ecs:DescribeTasks'], resources: [arn(aws, 'ecs', `task/${target.clusterName}/*`)] },
    {
      sid: 'PrewarmPassScalerRoles',
      actions: ['iam:PassRole'],
      resources: target.scalerRoleNames.map((name) => arn(aws, 'iam', `role/${name}`, { region: '' })),
      conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    },
  ];
}
