import { POOL_NAMES, type EnvironmentConfig, type PoolName } from '../../environments/index.js';
import { decide } from './policy/decide.js';
import { policySettings, poolShape } from './policy/settings.js';
import { EMPTY_MEMORY, type Decision, type PoolState } from './policy/types.js';
import { scheduledFloors } from './schedule.js';

/**
 * `agentfleet scaler decide`: the policy the scaler runs, applied to a state given by hand, offline.
 * Current sizes are in the brief's terms: instances (of the nominal type) for EC2 pools, tasks for
 * Fargate pools; each pool is taken as fully in service (nothing pending, nothing busy) and outside any
 * cooldown. A pool left out is at its min.
 */
export interface WhatIf {
  visible: number;
  inFlight: number;
  current: Partial<Record<PoolName, number>>;
  at: Date;
  policy?: 'step' | 'backlog';
}

export function whatIf(config: EnvironmentConfig, state: WhatIf): Decision {
  const settings = policySettings(config, state.policy ? { policy: state.policy } : {});
  const pools: PoolState[] = POOL_NAMES.map((name) => {
    const shape = poolShape(config, name);
    const given = state.current[name];
    const desired = given === undefined ? shape.min : given * shape.unitsPerInstance;
    return { ...shape, desired, running: desired, pending: 0, busySlots: 0 };
  });
  return decide({
    now: state.at.getTime(),
    queue: { visible: state.visible, inFlight: state.inFlight, oldestAgeSeconds: 0 },
    pools,
    floors: scheduledFloors(config.scaling.prewarm, state.at),
    memory: EMPTY_MEMORY,
    settings,
  });
}
