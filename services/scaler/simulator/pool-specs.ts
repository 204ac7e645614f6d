import { POOL_NAMES, type EnvironmentConfig, type PoolName } from '../../../environments/index.js';
import { poolShape } from '../policy/settings.js';
import { AWS_MODEL } from './aws-model.js';
import { SimPool } from './fleet.js';
import { TokenBucket } from './token-bucket.js';
import type { Trace } from './trace.js';

/**
 * The simulated pools from an environment's config (sizes and units through the same poolShape the
 * scaler uses) and the trace's conditions. The EC2 pools share the account's RunInstances bucket;
 * Fargate and Fargate Spot have one each.
 */
export function simulatedPools(config: EnvironmentConfig, trace: Trace, now: number): SimPool[] {
  const ec2Launches = new TokenBucket(AWS_MODEL.ec2Launches.burst, AWS_MODEL.ec2Launches.perSecond, now);
  return POOL_NAMES.map((name: PoolName) => {
    const shape = poolShape(config, name);
    const isEc2 = config.pools[name].kind === 'ec2-asg';
    const unitsPerMachine = isEc2 ? shape.unitsPerInstance : 1;
    return new SimPool({
      shape,
      unitsPerMachine,
      slotsPerMachine: unitsPerMachine * shape.slotsPerUnit,
      readySeconds: isEc2 ? AWS_MODEL.ec2ReadySeconds : AWS_MODEL.fargateReadySeconds,
      spot: name === 'spot' || name === 'burst-spot',
      launches: isEc2 ? ec2Launches : new TokenBucket(AWS_MODEL.fargateLaunches.burst, AWS_MODEL.fargateLaunches.perSecond, now),
      placeable: name === 'burst-spot' ? (trace.conditions.fargateSpotTasksAvailable ?? Infinity) : Infinity,
    });
  });
}
