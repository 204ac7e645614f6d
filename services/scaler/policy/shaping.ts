import type { Floor, PolicyMemory, PolicySettings, PoolState, Reason } from './types.js';

/**
 * The limits every policy's raw target goes through, per pool, in this order:
 * 1. cooldowns: no scale-out within `scaleOutCooldownSeconds` of the pool's last scale-out; no
 *    scale-in within `scaleInCooldownSeconds` of it (any scale-out counts: the scaler's, a floor's, or
 *    one the ASG's CPU policy made);
 * 2. slow scale-in: one tick removes at most `maxScaleInPercentPerTick` of the pool (at least one
 *    instance of its nominal type, or one task/worker);
 * 3. floors, which no cooldown holds back: the pool's min, the active pre-warm floors, and the slots
 *    busy workers of the pool use now (never scale in under a running run);
 * 4. the pool's max, last, because AWS rejects a desired size above it.
 */
export interface ShapeContext {
  now: number;
  memory: PolicyMemory;
  settings: PolicySettings;
  floors: readonly Floor[];
}

export function shapePool(pool: PoolState, raw: number, context: ShapeContext): { desired: number; reasons: Reason[] } {
  const { now, memory, settings } = context;
  const reasons: Reason[] = [];
  const current = pool.desired;
  const lastScaleOut = memory.lastScaleOutAt[pool.name];
  const sinceScaleOut = lastScaleOut === undefined ? Infinity : (now - lastScaleOut) / 1000;
  let desired = raw;

  if (desired > current && sinceScaleOut < settings.scaleOutCooldownSeconds) {
    reasons.push({
      code: 'scale-out-cooldown',
      message: `wants ${desired}, held at ${current}: scaled out ${Math.floor(sinceScaleOut)}s ago (cooldown ${settings.scaleOutCooldownSeconds}s)`,
    });
    desired = current;
  } else if (desired < current && sinceScaleOut < settings.scaleInCooldownSeconds) {
    reasons.push({
      code: 'scale-in-cooldown',
      message: `wants ${desired}, held at ${current}: scaled out ${Math.floor(sinceScaleOut)}s ago (scale-in cooldown ${settings.scaleInCooldownSeconds}s)`,
    });
    desired = current;
  } else if (desired < current) {
    const maxStep = Math.max(pool.unitsPerInstance, Math.ceil((current * settings.maxScaleInPercentPerTick) / 100));
    if (current - desired > maxStep) {
      reasons.push({
        code: 'slow-scale-in',
        message: `wants ${desired}, removes at most ${maxStep} of ${current} this tick (${settings.maxScaleInPercentPerTick}% per tick)`,
      });
      desired = current - maxStep;
    }
  }

  if (desired < pool.min) {
    reasons.push({ code: 'min', message: `raised from ${desired} to the pool's min ${pool.min}` });
    desired = pool.min;
  }
  for (const floor of context.floors) {
    if (floor.pool !== pool.name) continue;
    const units = floor.instances * pool.unitsPerInstance;
    if (desired < units) {
      reasons.push({ code: 'floor', message: `raised from ${desired} to ${units} by pre-warm floor "${floor.source}" (${floor.instances} instances)` });
      desired = units;
    }
  }
  const busyUnits = Math.ceil(pool.busySlots / pool.slotsPerUnit);
  if (desired < busyUnits) {
    reasons.push({ code: 'busy', message: `raised from ${desired} to ${busyUnits}: ${pool.busySlots} slots are running runs` });
    desired = busyUnits;
  }
  if (desired > pool.max) {
    reasons.push({ code: 'max', message: `capped from ${desired} at the pool's max ${pool.max}` });
    desired = pool.max;
  }
  return { desired, reasons };
}

