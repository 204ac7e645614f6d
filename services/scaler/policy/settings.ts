import { asgSizeInSlots, nominalSlots, type EnvironmentConfig, type PoolName } from '../../../environments/index.js';
import type { PolicySettings, PoolState } from './types.js';

/** The policy's knobs from an environment's config; `overrides` lets `agentfleet dev` shorten cooldowns. */
export function policySettings(config: EnvironmentConfig, overrides: Partial<PolicySettings> = {}): PolicySettings {
  const { scaling } = config;
  return {
    policy: scaling.policy,
    stepRules: scaling.step.rules.map((rule) => ({ ...rule, enableBurst: rule.enableBurst ?? false })),
    targetBacklogPerSlot: scaling.backlog.targetBacklogPerSlot,
    scaleOutCooldownSeconds: scaling.scaleOutCooldownSeconds,
    scaleInCooldownSeconds: scaling.scaleInCooldownSeconds,
    maxScaleInPercentPerTick: scaling.maxScaleInPercentPerTick,
    maxBurstTasks: scaling.burst.maxTotalTasks,
    moveToOnDemandAfterSeconds: scaling.burst.moveToOnDemandAfterSeconds,
    split: config.capacitySplit,
    ...overrides,
  };
}

/** What the config says about a pool's size and units; the live counts come from its adapter. */
export type PoolShape = Pick<PoolState, 'name' | 'min' | 'max' | 'slotsPerUnit' | 'unitsPerInstance'>;

export function poolShape(config: EnvironmentConfig, name: PoolName): PoolShape {
  const pool = config.pools[name];
  if (pool.kind === 'ec2-asg') {
    const { min, max } = asgSizeInSlots(pool);
    return { name, min, max, slotsPerUnit: 1, unitsPerInstance: nominalSlots(pool) };
  }
  return { name, min: pool.min, max: pool.max, slotsPerUnit: config.worker.fargateTask.slots, unitsPerInstance: 1 };
}
