import { Construct } from 'constructs';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import type { AwsContext } from './aws-context.js';
import { containerLaunchStatements, ecsContainerDefinitions, type ContainerDefinitionOptions, type ContainerSpec } from './container.js';
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from './iam.js';

/** The execution and task roles of a task definition family, by name (policies that must name them use this). */
export function fargateTaskRoleNames(family: string): { execution: string; task: string } {
  return { execution: `${family}-execution`, task: `${family}-task` };
}

export interface FargateTaskProps {
  /** Task definition family; also names the two roles. */
  family: string;
  cpu: number;
  memoryMiB: number;
  /** Fargate Spot runs only X86_64; the API and scaler could run on ARM64. */
  cpuArchitecture: 'X86_64' | 'ARM64';
  container: ContainerSpec;
  containerOptions: Omit<ContainerDefinitionOptions, 'aws'>;
  /** What the running process may do; the task role gets exactly these. */
  taskPermissions: PolicyStatement[];
  aws: AwsContext;
}

/**
 * A Fargate task definition with its two roles kept apart: the execution role (used by ECS to pull
 * the image, ship logs and inject secrets) and the task role (what the process itself may call).
 */
export class FargateTask extends Construct {
  readonly arn: string;
  readonly family: string;
  readonly taskRoleArn: string;
  readonly executionRoleArn: string;
  /** Names of the execution and task roles, known at synth time (for policies that must name them). */
  readonly roleNames: { execution: string; task: string };

  constructor(scope: Construct, id: string, props: FargateTaskProps) {
    super(scope, id);
    const trust = serviceTrustPolicy('ecs-tasks.amazonaws.com', props.aws.accountId);
    this.roleNames = fargateTaskRoleNames(props.family);
    const execution = new IamRole(this, 'execution-role', { name: this.roleNames.execution, assumeRolePolicy: trust });
    new IamRolePolicy(this, 'execution-policy', {
      role: execution.id,
      name: 'launch',
      policy: policyDocument(containerLaunchStatements(props.container)),
    });
    const task = new IamRole(this, 'task-role', { name: this.roleNames.task, assumeRolePolicy: trust });
    if (props.taskPermissions.length > 0) {
      new IamRolePolicy(this, 'task-policy', { role: task.id, name: 'task', policy: policyDocument(props.taskPermissions) });
    }
    const definition = new EcsTaskDefinition(this, 'definition', {
      family: props.family,
      cpu: String(props.cpu),
      memory: String(props.memoryMiB),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      runtimePlatform: { cpuArchitecture: props.cpuArchitecture, operatingSystemFamily: 'LINUX' },
      executionRoleArn: execution.arn,
      taskRoleArn: task.arn,
      containerDefinitions: ecsContainerDefinitions(props.container, { ...props.containerOptions, aws: props.aws }),
    });
    this.arn = definition.arn;
    this.family = props.family;
    this.taskRoleArn = task.arn;
    this.executionRoleArn = execution.arn;
  }
}
