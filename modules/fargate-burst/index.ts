import { Construct } from 'constructs';
import { EcsCluster } from '@cdktf/provider-aws/lib/ecs-cluster/index.js';
import { EcsClusterCapacityProviders } from '@cdktf/provider-aws/lib/ecs-cluster-capacity-providers/index.js';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service/index.js';
import { AGENT_USER_ENVIRONMENT, CAPABILITIES_A_WORKER_DROPS } from '../lib/agent-user.js';
import { arn, type AwsContext } from '../lib/aws-context.js';
import type { ContainerSpec } from '../lib/container.js';
import { FargateTask } from '../lib/fargate-task.js';
import type { PolicyStatement } from '../lib/iam.js';

export interface FargateBurstProps {
  clusterName: string;
  /** The two burst services: ECS service name and the pool name their workers report (WORKER_POOL). */
  spotService: { name: string; pool: string };
  onDemandService: { name: string; pool: string };
  subnetIds: string[];
  securityGroupIds: string[];
  /** One burst task; Fargate Spot runs only x86_64, so the task is x86_64. */
  task: { cpu: number; memoryMiB: number; slots: number };
  /** Seconds between SIGTERM and SIGKILL: all a burst worker gets to hand runs back (Fargate allows at most 120). */
  stopTimeoutSeconds: number;
  container: ContainerSpec;
  /** Permissions the worker needs at run time (queue, metrics), beyond task protection. */
  permissions: PolicyStatement[];
  aws: AwsContext;
}

/**
 * The burst pools: an ECS cluster with the FARGATE and FARGATE_SPOT capacity providers and two services
 * created at zero tasks, `burst-spot` on FARGATE_SPOT and `burst-ondemand` on FARGATE. Fargate never
 * moves a task from Spot to On-Demand by itself; the scaler sets both desired counts, so Terraform
 * ignores them after creation. The cluster also hosts the API and the scaler.
 */
export class FargateBurst extends Construct {
  readonly clusterName: string;
  readonly clusterArn: string;
  readonly spotServiceArn: string;
  readonly onDemandServiceArn: string;

  constructor(scope: Construct, id: string, props: FargateBurstProps) {
    super(scope, id);
    const cluster = new EcsCluster(this, 'cluster', { name: props.clusterName });
    const providers = new EcsClusterCapacityProviders(this, 'capacity-providers', {
      clusterName: cluster.name,
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });

    const protectOwnTasks: PolicyStatement = {
      sid: 'ProtectOwnTaskWhileBusy',
      actions: ['ecs:UpdateTaskProtection', 'ecs:GetTaskProtection'],
      resources: [arn(props.aws, 'ecs', `task/${props.clusterName}/*`)],
    };
    const addService = (key: string, { name, pool }: { name: string; pool: string }, capacityProvider: 'FARGATE_SPOT' | 'FARGATE'): void => {
      const task = new FargateTask(this, `${key}-task`, {
        family: name,
        cpu: props.task.cpu,
        memoryMiB: props.task.memoryMiB,
        cpuArchitecture: 'X86_64',
        container: props.container,
        containerOptions: {
          name: 'worker',
          environment: { WORKER_POOL: pool, WORKER_SLOTS: String(props.task.slots), ...AGENT_USER_ENVIRONMENT },
          stopTimeout: props.stopTimeoutSeconds,
          // Root only to start command agents as AGENT_USER: they never learn the task role's credentials URI.
          user: { name: '0', dropCapabilities: CAPABILITIES_A_WORKER_DROPS },
        },
        taskPermissions: [protectOwnTasks, ...props.permissions],
        aws: props.aws,
      });
      new EcsService(this, `${key}-service`, {
        name,
        cluster: cluster.arn,
        taskDefinition: task.arn,
        desiredCount: 0,
        capacityProviderStrategy: [{ capacityProvider, weight: 1 }],
        networkConfiguration: { subnets: props.subnetIds, securityGroups: props.securityGroupIds, assignPublicIp: false },
        deploymentMinimumHealthyPercent: 100,
        deploymentMaximumPercent: 200,
        enableEcsManagedTags: true,
        propagateTags: 'SERVICE',
        dependsOn: [providers],
        lifecycle: { ignoreChanges: ['desired_count'] },
      });
    };
    addService('spot', props.spotService, 'FARGATE_SPOT');
    addService('ondemand', props.onDemandService, 'FARGATE');

    this.clusterName = cluster.name;
    this.clusterArn = cluster.arn;
    this.spotServiceArn = arn(props.aws, 'ecs', `service/${props.clusterName}/${props.spotService.name}`);
    this.onDemandServiceArn = arn(props.aws, 'ecs', `service/${props.clusterName}/${props.onDemandService.name}`);
  }
}
