import { BRIEF_AGENT_RUN } from '../../../environments/deployed-agents.js';
import { POOL_NAMES, loadEnvironment, type EnvironmentConfig, type EnvironmentName, type PoolName } from '../../../environments/index.js';
import { resizedFor } from '../../../environments/sizing.js';
import { policySettings, poolShape } from '../../../services/scaler/policy/settings.js';
import { EMPTY_MEMORY, type DecisionInput, type PolicySettings, type PoolState } from '../../../services/scaler/policy/types.js';

/** A pool's live numbers in the brief's terms: instances for EC2 pools, tasks for Fargate pools. */
export interface PoolNumbers {
  desired: number;
  running?: number;
  pending?: number;
  busySlots?: number;
}

/**
 * The environment's config sized for the brief's agent (0.5 vCPU / 2 GiB: a c6g.2xlarge holds 8 slots,
 * a burst task 1): the policy tests pin the brief's arithmetic, whatever the deployed agents' footprint.
 */
export function configOf(env: EnvironmentName): EnvironmentConfig {
  return resizedFor(loadEnvironment(env), BRIEF_AGENT_RUN);
}

/**
 * Pool states of an environment; a bare number is a desired size fully in service. A pool not given
 * sits at its min, fully in service.
 */
export function poolsOf(env: EnvironmentName, numbers: Partial<Record<PoolName, number | PoolNumbers>> = {}): PoolState[] {
  const config = configOf(env);
  return POOL_NAMES.map((name) => {
    const shape = poolShape(config, name);
    const raw = numbers[name];
    const given = typeof raw === 'number' ? { desired: raw } : raw;
    const desired = given ? given.desired * shape.unitsPerInstance : shape.min;
    return {
      ...shape,
      desired,
      running: given?.running === undefined ? desired : given.running * shape.unitsPerInstance,
      pending: (given?.pending ?? 0) * shape.unitsPerInstance,
      busySlots: given?.busySlots ?? 0,
    };
  });
}

export function settingsOf(env: EnvironmentName, overrides: Partial<PolicySettings> = {}): PolicySettings {
  return policySettings(configOf(env), overrides);
}

/** A Wednesday at 10:00 UTC: after the daily 03:00 schedule, before the weekday 13:00 one. */
export const WEDNESDAY_10_UTC = Date.parse('2026-03-04T10:00:00Z');

export function inputOf(env: EnvironmentName, partial: Partial<DecisionInput> & { visible?: number; inFlight?: number }): DecisionInput {
  return {
    now: partial.now ?? WEDNESDAY_10_UTC,
    queue: partial.queue ?? { visible: partial.visible ?? 0, inFlight: partial.inFlight ?? 0, oldestAgeSeconds: 0 },
    pools: partial.pools ?? poolsOf(env),
    floors: partial.floors ?? [],
    memory: partial.memory ?? EMPTY_MEMORY,
    settings: partial.settings ?? settingsOf(env),
  };
}
