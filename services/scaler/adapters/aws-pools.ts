import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EC2_POOL_NAMES, FARGATE_POOL_NAMES, nominalSlots, resourceNames, type EnvironmentConfig } from '../../../environments/index.js';
import { AsgPool } from './asg.js';
import { EcsPool } from './ecs.js';
import type { CapacityPool } from './pool.js';

export interface AwsEndpoint {
  region: string;
  /** An emulator (moto) instead of AWS. */
  endpoint?: string;
  /** Explicit credentials (tests, emulators); otherwise AWS's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface AwsClients {
  autoScaling: AutoScalingClient;
  ecs: ECSClient;
}

export function awsClients(aws: AwsEndpoint): AwsClients {
  const options = { region: aws.region, ...(aws.endpoint ? { endpoint: aws.endpoint } : {}), ...(aws.credentials ? { credentials: aws.credentials } : {}) };
  return { autoScaling: new AutoScalingClient(options), ecs: new ECSClient(options) };
}

/** The environment's four pools, found by the names the stack gave them (environments/names.ts). */
export function awsPools(config: EnvironmentConfig, clients: AwsClients): CapacityPool[] {
  const names = resourceNames(config.name);
  const ec2 = EC2_POOL_NAMES.map(
    (name) => new AsgPool(clients.autoScaling, { name, groupName: names.pools[name], defaultInstanceWeight: nominalSlots(config.pools[name]) }),
  );
  const fargate = FARGATE_POOL_NAMES.map(
    (name) =>
      new EcsPool(clients.ecs, {
        name,
        cluster: names.cluster,
        serviceName: names.pools[name],
        min: config.pools[name].min,
        max: config.pools[name].max,
      }),
  );
  return [...ec2, ...fargate];
}
