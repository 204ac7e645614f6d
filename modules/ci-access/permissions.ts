import { arn, type AwsContext } from '../lib/aws-context.js';
import type { PolicyStatement } from '../lib/iam.js';

/**
 * What CI needs to plan and to apply an agentfleet environment, service by service. Every action is
 * named; resources are this environment's (by name prefix) wherever the service has resource-level
 * permissions. EC2 and ElastiCache name resources by generated ids, so they are scoped to the
 * account and region. `*` appears only for actions AWS authorizes against "*" alone (Describe/List
 * calls and a few others), as the IAM service authorization reference lists them.
 */

export interface PermissionScope {
  aws: AwsContext;
  /** Prefix of every resource name in the environment, e.g. `agentfleet-prod`. */
  prefix: string;
  /** Prefix of the environment's log groups, e.g. `/agentfleet/prod/`. */
  logGroupPrefix: string;
  stateBucket: string;
  stateKey: string;
}

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
    sid: 'Ec2InAccountRegion',
    read: ['ec2:GetLaunchTemplateData'],
    write: [
      'ec2:CreateVpc', 'ec2:DeleteVpc', 'ec2:ModifyVpcAttribute',
      'ec2:CreateSubnet', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute',
      'ec2:CreateInternetGateway', 'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway',
      'ec2:AllocateAddress', 'ec2:ReleaseAddress', 'ec2:DisassociateAddress',
      'ec2:CreateNatGateway', 'ec2:DeleteNatGateway',
      'ec2:CreateRouteTable', 'ec2:DeleteRouteTable', 'ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute',
      'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable',
      'ec2:CreateVpcEndpoint', 'ec2:ModifyVpcEndpoint', 'ec2:DeleteVpcEndpoints',
      'ec2:CreateSecurityGroup', 'ec2:DeleteSecurityGroup',
      'ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules',
      'ec2:CreateLaunchTemplate', 'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate',
      'ec2:DeleteLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions',
      // The caller of CreateAutoScalingGroup must itself be allowed to launch from the template.
      'ec2:RunInstances', 'ec2:CreateTags', 'ec2:DeleteTags',
    ],
    resources: ({ aws }) => [arn(aws, 'ec2', '*'), arn(aws, 'ec2', 'image/*', { account: '' })],
  },
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
    sid: 'ElastiCacheInAccountRegion',
    read: ['elasticache:DescribeReplicationGroups', 'elasticache:DescribeCacheClusters', 'elasticache:DescribeCacheSubnetGroups',
      'elasticache:DescribeCacheParameterGroups', 'elasticache:DescribeCacheParameters', 'elasticache:ListTagsForResource'],
    write: [
      'elasticache:CreateReplicationGroup', 'elasticache:ModifyReplicationGroup', 'elasticache:DeleteReplicationGroup',
      'elasticache:CreateCacheSubnetGroup', 'elasticache:ModifyCacheSubnetGroup', 'elasticache:DeleteCacheSubnetGroup',
      'elasticache:CreateCacheParameterGroup', 'elasticache:ModifyCacheParameterGroup', 'elasticache:DeleteCacheParameterGroup',
      'elasticache:CreateSnapshot', 'elasticache:AddTagsToResource', 'elasticache:RemoveTagsFromResource',
    ],
    resources: ({ aws }) => [arn(aws, 'elasticache', '*')],
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
    sid: 'OwnRolesProfilesAndPolicies',
    read: ['iam:GetRole', 'iam:GetRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies',
      'iam:GetInstanceProfile', 'iam:ListInstanceProfilesForRole', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:ListPolicyVersions'],
    write: [
      'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole', 'iam:UpdateAssumeRolePolicy', 'iam:TagRole', 'iam:UntagRole',
      'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy',
      'iam:CreatePolicy', 'iam:DeletePolicy', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:TagPolicy', 'iam:UntagPolicy',
      'iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile',
      'iam:TagInstanceProfile', 'iam:UntagInstanceProfile',
    ],
    resources: ({ aws, prefix }) => [
      arn(aws, 'iam', `role/${prefix}-*`, { region: '' }),
      arn(aws, 'iam', `instance-profile/${prefix}-*`, { region: '' }),
      arn(aws, 'iam', `policy/${prefix}-*`, { region: '' }),
    ],
  },
  {
    sid: 'GitHubOidcProvider',
    read: ['iam:GetOpenIDConnectProvider'],
    write: ['iam:CreateOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider', 'iam:UpdateOpenIDConnectProviderThumbprint',
      'iam:AddClientIDToOpenIDConnectProvider', 'iam:TagOpenIDConnectProvider', 'iam:UntagOpenIDConnectProvider'],
    resources: ({ aws }) => [arn(aws, 'iam', 'oidc-provider/token.actions.githubusercontent.com', { region: '' })],
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
    // Refreshing a secret version reads its value.
    read: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:GetResourcePolicy'],
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

/** Read-only: enough for `terraform plan` (refresh, data sources, the state and its lock file). */
export function readStatements(scope: PermissionScope): PolicyStatement[] {
  return [...serviceStatements(scope, 'read'), ...stateReadStatements(scope)];
}

/** What `terraform apply` and `destroy` need on top of {@link readStatements}, for this environment only. */
export function writeStatements(scope: PermissionScope): PolicyStatement[] {
  const { aws, prefix } = scope;
  return [
    ...serviceStatements(scope, 'write'),
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
