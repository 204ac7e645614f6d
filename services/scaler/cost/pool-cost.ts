import { nominalSlots, type EnvironmentConfig, type Ec2PoolConfig, type PoolName } from '../../../environments/index.js';

/**
 * What one unit of a pool costs per hour: one instance of the pool's nominal type for EC2 pools, one
 * task for Fargate pools. Prices come only from `config.pricing`. The On-Demand pool is at list price;
 * a Savings Plan is a separate commitment (savings-plan.ts). Pure functions over the config.
 */

/** The month the planner prices: 730 hours (AWS's own convention, 8,760 / 12). */
export const HOURS_PER_MONTH = 730;

/** The burst task runs x86_64 (modules/fargate-burst); ARM64 prices are in the data for comparison. */
export const BURST_TASK_ARCHITECTURE = 'x86_64' as const;

export class MissingPriceError extends Error {
  override readonly name = 'MissingPriceError';
  constructor(readonly instanceType: string) {
    super(`no price for ${instanceType} in pricing.instances`);
  }
}

function ec2Pool(config: EnvironmentConfig, pool: 'spot' | 'on-demand'): Ec2PoolConfig {
  return config.pools[pool];
}

/** Hourly price of one instance of `type` bought the way `pool` buys (Spot or On-Demand). */
export function instanceHourlyUsd(config: EnvironmentConfig, pool: 'spot' | 'on-demand', type: string): number {
  const price = config.pricing.instances[type];
  if (!price) throw new MissingPriceError(type);
  return pool === 'spot' ? price.spotHourlyUsd.value : price.onDemandHourlyUsd.value;
}

/** Hourly price of one burst task of the config's size, on Fargate Spot or On-Demand. */
export function fargateTaskHourlyUsd(config: EnvironmentConfig, pool: 'burst-spot' | 'burst-ondemand', architecture: 'x86_64' | 'arm64' = BURST_TASK_ARCHITECTURE): number {
  const rates = config.pricing.fargate[architecture][pool === 'burst-spot' ? 'spot' : 'onDemand'];
  const task = config.worker.fargateTask;
  // Fargate bills memory per GB-hour of the task's MiB / 1024.
  return (task.cpu / 1024) * rates.vcpuHourUsd.value + (task.memoryMiB / 1024) * rates.gbHourUsd.value;
}

/** $ per hour of one unit of `pool`: an instance of its nominal type, or a task. */
export function poolUnitHourlyUsd(config: EnvironmentConfig, pool: PoolName): number {
  if (pool === 'spot' || pool === 'on-demand') return instanceHourlyUsd(config, pool, ec2Pool(config, pool).nominalInstanceType);
  return fargateTaskHourlyUsd(config, pool);
}

/** Concurrent runs one unit of `pool` holds (slots per nominal instance, or per task). */
export function slotsPerUnit(config: EnvironmentConfig, pool: PoolName): number {
  if (pool === 'spot' || pool === 'on-demand') return nominalSlots(ec2Pool(config, pool));
  return config.worker.fargateTask.slots;
}

/** $ per slot-hour of `pool`: what one concurrent run costs per hour there when the unit is full. */
export function slotHourlyUsd(config: EnvironmentConfig, pool: PoolName): number {
  return poolUnitHourlyUsd(config, pool) / slotsPerUnit(config, pool);
}

/** $ per month of `units` of `pool` running all month. */
export function poolMonthlyUsd(config: EnvironmentConfig, pool: PoolName, units: number): number {
  return units * poolUnitHourlyUsd(config, pool) * HOURS_PER_MONTH;
}
