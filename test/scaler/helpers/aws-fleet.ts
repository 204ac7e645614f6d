import { AutoScalingClient, CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeImagesCommand, DescribeSubnetsCommand, EC2Client, type _InstanceType } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateServiceCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { asgSizeInSlots, resourceNames, type EnvironmentConfig, type FargatePoolName } from '../../../environments/index.js';
import type { AwsEndpoint } from '../../../services/scaler/adapters/aws-pools.js';

/**
 * The environment's pools as the stack would create them, built with the SDK on moto_server: two
 * ASGs (a launch template and a mixed-instances policy whose weights are slots) over the default
 * VPC's subnets, and an ECS cluster with the two burst services.
 */

export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function motoEndpoint(endpoint: string): AwsEndpoint {
  return { region: 'us-east-1', endpoint, credentials: MOTO_CREDENTIALS };
}

export async function createEc2Pools(config: EnvironmentConfig, aws: AwsEndpoint): Promise<void> {
  const ec2 = new EC2Client(aws);
  const autoScaling = new AutoScalingClient(aws);
  const names = resourceNames(config.name);
  const image = (await ec2.send(new DescribeImagesCommand({}))).Images?.[0]?.ImageId;
  const subnets = (await ec2.send(new DescribeSubnetsCommand({}))).Subnets?.slice(0, 3).map((s) => s.SubnetId) ?? [];
  for (const name of ['spot', 'on-demand'] as const) {
    const pool = config.pools[name];
    const template = `${names.pools[name]}-lt`;
    await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: template, LaunchTemplateData: { ImageId: image, InstanceType: pool.nominalInstanceType as _InstanceType } }));
    const { min, max } = asgSizeInSlots(pool);
    await autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: names.pools[name],
        MinSize: min,
        MaxSize: max,
        DesiredCapacity: min,
        VPCZoneIdentifier: subnets.join(','),
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: template, Version: '$Latest' },
            // moto launches only the first override; the nominal type first keeps its weight = its slots.
            Overrides: [...pool.instanceTypes]
              .sort((a, b) => Number(b.type === pool.nominalInstanceType) - Number(a.type === pool.nominalInstanceType))
              .map((t) => ({ InstanceType: t.type, WeightedCapacity: String(t.slots) })),
          },
          InstancesDistribution: { OnDemandPercentageAboveBaseCapacity: name === 'spot' ? 0 : 100 },
        },
      }),
    );
  }
}

/** `initialDesired` creates a service already asking for tasks: moto leaves those pending (see the test). */
export async function createBurstPools(config: EnvironmentConfig, aws: AwsEndpoint, initialDesired: Partial<Record<FargatePoolName, number>> = {}): Promise<void> {
  const ecs = new ECSClient(aws);
  const names = resourceNames(config.name);
  await ecs.send(new CreateClusterCommand({ clusterName: names.cluster }));
  const task = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: `${names.prefix}-burst-worker`,
      requiresCompatibilities: ['FARGATE'],
      networkMode: 'awsvpc',
      cpu: String(config.worker.fargateTask.cpu),
      memory: String(config.worker.fargateTask.memoryMiB),
      containerDefinitions: [{ name: 'worker', image: 'agentfleet:test', essential: true, command: ['worker'] }],
    }),
  );
  for (const [name, provider] of [['burst-spot', 'FARGATE_SPOT'], ['burst-ondemand', 'FARGATE']] as const) {
    await ecs.send(
      new CreateServiceCommand({
        cluster: names.cluster,
        serviceName: names.pools[name],
        taskDefinition: task.taskDefinition?.taskDefinitionArn,
        desiredCount: initialDesired[name] ?? 0,
        capacityProviderStrategy: [{ capacityProvider: provider, weight: 1 }],
      }),
    );
  }
}

export async function describeGroup(aws: AwsEndpoint, groupName: string) {
  const answer = await new AutoScalingClient(aws).send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }));
  const group = answer.AutoScalingGroups?.[0];
  if (!group) throw new Error(`no group ${groupName}`);
  return group;
}

export async function describeService(aws: AwsEndpoint, cluster: string, serviceName: string) {
  const answer = await new ECSClient(aws).send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
  const service = answer.services?.[0];
  if (!service) throw new Error(`no service ${serviceName}`);
  return service;
}
