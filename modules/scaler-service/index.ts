import { Construct } from 'constructs';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { arn, type AwsContext } from '../lib/aws-context.js';
import type { ContainerSpec } from '../lib/container.js';
import { FargateTask } from '../lib/fargate-task.js';
import type { PolicyStatement } from '../lib/iam.js';

export interface ScalerServiceProps {
  name: string;
  clusterArn: string;
  clusterName: string;
  vpcId: string;
  subnetIds: string[];
  task: { cpu: number; memoryMiB: number };
  container: ContainerSpec;
  /** What the scaler may steer: nothing else. */
  controls: {
    asgNames: string[];
    ecsServiceNames: string[];
    queueArns: string[];
  };
  aws: AwsContext;
}

/** The scaler task's one container; scripts/prewarm-ecs.sh overrides its command by this name. */
export const SCALER_CONTAINER_NAME = 'scaler';

/**
 * The scaler: exactly one Fargate task (a deployment stops the old task before starting the new one,
 * so two scalers never fight), allowed to read queue depth and to change the desired capacity of its
 * own ASGs and ECS services, and nothing else.
 */
export class ScalerService extends Construct {
  readonly securityGroupId: string;
  readonly taskRoleArn: string;
  /** What a one-off task of the scaler (the pre-warm job) needs to name: its family and its two roles. */
  readonly taskDefinitionFamily: string;
  readonly roleNames: string[];

  constructor(scope: Construct, id: string, props: ScalerServiceProps) {
    super(scope, id);
    const securityGroup = new SecurityGroup(this, 'sg', {
      name: `${props.name}-task`,
      description: 'agentfleet scaler task',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-task` },
    });
    new VpcSecurityGroupEgressRule(this, 'out', {
      securityGroupId: securityGroup.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'Redis and AWS APIs',
    });

    const asgArns = props.controls.asgNames.map((name) => arn(props.aws, 'autoscaling', `autoScalingGroup:*:autoScalingGroupName/${name}`));
    const serviceArns = props.controls.ecsServiceNames.map((name) => arn(props.aws, 'ecs', `service/${props.clusterName}/${name}`));
    // Exactly the calls of services/scaler/adapters (asg.ts, ecs.ts) and of the queue depth reader.
    const steer: PolicyStatement[] = [
      // DescribeAutoScalingGroups has no resource-level permissions: AWS only accepts "*".
      { sid: 'SeeAutoScalingGroups', actions: ['autoscaling:DescribeAutoScalingGroups'], resources: ['*'] },
      // SetInstanceProtection: the scaler keeps instances whose workers are busy out of scale-in.
      { sid: 'SizeOwnAutoScalingGroups', actions: ['autoscaling:SetDesiredCapacity', 'autoscaling:SetInstanceProtection'], resources: asgArns },
      { sid: 'SizeOwnServices', actions: ['ecs:DescribeServices', 'ecs:UpdateService'], resources: serviceArns },
      { sid: 'ReadQueueDepth', actions: ['sqs:GetQueueAttributes'], resources: props.controls.queueArns },
    ];

    const task = new FargateTask(this, 'task', {
      family: props.name,
      cpu: props.task.cpu,
      memoryMiB: props.task.memoryMiB,
      cpuArchitecture: 'ARM64',
      container: props.container,
      containerOptions: { name: SCALER_CONTAINER_NAME },
      taskPermissions: steer,
      aws: props.aws,
    });
    new EcsService(this, 'service', {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: task.arn,
      desiredCount: 1,
      launchType: 'FARGATE',
      networkConfiguration: { subnets: props.subnetIds, securityGroups: [securityGroup.id], assignPublicIp: false },
      deploymentMinimumHealthyPercent: 0,
      deploymentMaximumPercent: 100,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
    });

    this.securityGroupId = securityGroup.id;
    this.taskRoleArn = task.taskRoleArn;
    this.taskDefinitionFamily = task.family;
    this.roleNames = [task.roleNames.execution, task.roleNames.task];
  }
}
