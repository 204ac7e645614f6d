import { POOL_NAMES, type EnvironmentConfig, type PoolName } from '../../../environments/index.js';
import { BURST_TASK_ARCHITECTURE, HOURS_PER_MONTH, poolUnitHourlyUsd, slotsPerUnit } from './pool-cost.js';

/** One pool's line in a plan or a mix: its units, their slots and what they cost. */
export interface PoolLine {
  name: PoolName;
  /** `instance` of `unitType` for EC2 pools, `task` for Fargate pools. */
  unit: 'instance' | 'task';
  unitType: string;
  units: number;
  slotsPerUnit: number;
  slots: number;
  unitHourlyUsd: number;
  slotHourlyUsd: number;
  monthlyCostUsd: number;
}

export function unitType(config: EnvironmentConfig, pool: PoolName): string {
  const spec = config.pools[pool];
  if (spec.kind === 'ec2-asg') return `${spec.nominalInstanceType} ${pool === 'spot' ? 'Spot' : 'On-Demand'}`;
  const task = config.worker.fargateTask;
  return `${pool === 'burst-spot' ? 'Fargate Spot' : 'Fargate'} ${task.cpu / 1024} vCPU/${task.memoryMiB / 1024} GiB ${BURST_TASK_ARCHITECTURE}`;
}

export function poolLine(config: EnvironmentConfig, pool: PoolName, units: number): PoolLine {
  const unitHourlyUsd = poolUnitHourlyUsd(config, pool);
  const perUnit = slotsPerUnit(config, pool);
  return {
    name: pool,
    unit: config.pools[pool].kind === 'ec2-asg' ? 'instance' : 'task',
    unitType: unitType(config, pool),
    units,
    slotsPerUnit: perUnit,
    slots: units * perUnit,
    unitHourlyUsd,
    slotHourlyUsd: unitHourlyUsd / perUnit,
    monthlyCostUsd: units * unitHourlyUsd * HOURS_PER_MONTH,
  };
}

export function poolLines(config: EnvironmentConfig, units: Record<PoolName, number>): PoolLine[] {
  return POOL_NAMES.map((pool) => poolLine(config, pool, units[pool]));
}
