import { arn, type AwsContext } from '../lib/aws-context.js';
import type { PolicyStatement } from '../lib/iam.js';
import { guardRailStatements } from './guard-rails.js';

export interface WorkloadScope {
  aws: AwsContext;
  prefix: string;
  logGroupPrefix: string;
  clusterName: string;
}

/**
 * The ceiling of every role the fleet stack creates (workers, tasks, execution roles): what those
 * processes call at run time, on this environment's resources, and no IAM action at all. A role the
 * apply role writes a wider policy into still can do no more than this.
 */
export function workloadBoundaryStatements({ aws, prefix, logGroupPrefix, clusterName }: WorkloadScope): PolicyStatement[] {
  return [
    // No resource-level permissions for these two: AWS only accepts "*".
    { sid: 'Unscoped', actions: ['ecr:GetAuthorizationToken', 'autoscaling:DescribeAutoScalingGroups'], resources: ['*'] },
    {
      sid: 'PullOwnImage',
      actions: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      resources: [arn(aws, 'ecr', `repository/${prefix}`)],
    },
    { sid: 'WriteOwnLogs', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [arn(aws, 'logs', `log-group:${logGroupPrefix}*`)] },
    { sid: 'ReadOwnSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [arn(aws, 'secretsmanager', `secret:${prefix}-*`)] },
    {
      sid: 'UseOwnQueues',
      actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
      resources: [arn(aws, 'sqs', `${prefix}-*`)],
    },
    {
      sid: 'SteerOwnAutoScalingGroups',
      actions: [
        'autoscaling:SetDesiredCapacity', 'autoscaling:SetInstanceProtection', 'autoscaling:SetInstanceHealth',
        'autoscaling:CompleteLifecycleAction', 'autoscaling:RecordLifecycleActionHeartbeat',
      ],
      resources: [arn(aws, 'autoscaling', `autoScalingGroup:*:autoScalingGroupName/${prefix}-*`)],
    },
    { sid: 'SteerOwnServices', actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: [arn(aws, 'ecs', `service/${clusterName}/*`)] },
    { sid: 'ProtectOwnTasks', actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'], resources: [arn(aws, 'ecs', `task/${clusterName}/*`)] },
    { sid: 'PublishOwnAlerts', actions: ['sns:Publish'], resources: [arn(aws, 'sns', `${prefix}-*`)] },
    // A KMS key's ARN is a random id, so the boundary scopes by use: only SNS, on the caller's behalf, may use a key.
    {
      sid: 'EncryptThroughSns',
      actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
      resources: [arn(aws, 'kms', 'key/*')],
      conditions: { StringEquals: { 'kms:ViaService': `sns.${aws.region}.amazonaws.com` } },
    },
  ];
}

/** Services the CI roles' own policies draw from; the CI boundary allows nothing outside them. */
const CI_SERVICES = [
  'application-autoscaling', 'autoscaling', 'budgets', 'cloudwatch', 'ec2', 'ecr', 'ecs', 'elasticache', 'elasticloadbalancing',
  'iam', 'kms', 'logs', 's3', 'secretsmanager', 'sns', 'sqs', 'ssm', 'wafv2',
];

/**
 * The ceiling of the CI roles: the services Terraform manages here, minus the guard rails. The roles'
 * own policies do the narrowing; the boundary keeps the denies in force even if someone attaches a
 * wider policy to a CI role by hand.
 */
export function ciBoundaryStatements(scope: { aws: AwsContext; workloadBoundaryArn: string }): PolicyStatement[] {
  return [
    { sid: 'ManagedServices', actions: CI_SERVICES.map((service) => `${service}:*`), resources: ['*'] },
    ...guardRailStatements(scope),
  ];
}
