import { backlogTarget } from './backlog.js';
import { splitBurst } from './burst.js';
import { burstSlots, onDemandShare, spotRest, type RawTarget } from './placement.js';
import { shapePool } from './shaping.js';
import { stepTarget } from './step.js';
import type { FleetTarget } from './target.js';
import type { Decision, DecisionInput, PolicyMemory, PoolDecision, PoolState, Reason, ScalablePoolName } from './types.js';

/**
 * The scaling decision: a pure function from queue state, pool state, time, floors and the memory of
 * the previous decision to the desired size of every pool, with the reasons. `agentfleet scaler`,
 * `scaler tick`, `scaler decide`, the simulator and the tests all call this one function.
 */

export class PoolLayoutError extends Error {
  override readonly name = 'PoolLayoutError';
}

export function decide(input: DecisionInput): Decision {
  const { memory, scaledOutByOthers } = noteExternalScaleOuts(input);
  const context = { ...input, memory };
  const nextMemory: PolicyMemory = { lastScaleOutAt: { ...memory.lastScaleOutAt }, lastSetDesired: { ...memory.lastSetDesired } };
  const decided = new Map<ScalablePoolName, PoolDecision>();

  /** Applies the pool's limits to what the policy wants of it; returns the pool's final size. */
  const settle = (pool: PoolState, wanted: RawTarget): number => {
    const shaped = shapePool(pool, wanted.units, { now: input.now, memory, settings: input.settings, floors: input.floors });
    const external: Reason[] = scaledOutByOthers.has(pool.name)
      ? [{ code: 'external-scale-out', message: `desired rose to ${pool.desired} outside the scaler (CPU policy, schedule or operator): scale-in waits` }]
      : [];
    decided.set(pool.name, describe(pool, shaped.desired, [...external, ...wanted.reasons, ...shaped.reasons]));
    if (shaped.desired > pool.desired) nextMemory.lastScaleOutAt[pool.name] = input.now;
    nextMemory.lastSetDesired[pool.name] = shaped.desired;
    return shaped.desired;
  };

  let target: FleetTarget;
  const local = findPool(input.pools, 'local');
  if (local) {
    target = fleetTarget(context, [local]);
    settle(local, { units: Math.ceil(target.slots / local.slotsPerUnit), reasons: [...target.reasons] });
  } else {
    const spot = requirePool(input.pools, 'spot');
    const onDemand = requirePool(input.pools, 'on-demand');
    target = fleetTarget(context, [spot, onDemand]);
    const share = onDemandShare(target, onDemand, input.settings.split);
    const limits = { now: input.now, memory, settings: input.settings, floors: input.floors };
    const rest = spotRest(target, spot, shapePool(onDemand, share.units, limits).desired * onDemand.slotsPerUnit);
    const spotUnits = settle(spot, { units: rest.units, reasons: [...target.reasons, ...rest.reasons] });
    // On-Demand moves toward its share only as far as Spot leaves room (Spot may be held by its
    // cooldowns, slow scale-in or max): moving capacity between the two never leaves EC2 short of
    // the target, nor grows EC2 past it, while they rebalance.
    const uncovered = Math.ceil(Math.max(0, target.slots - spotUnits * spot.slotsPerUnit) / onDemand.slotsPerUnit);
    const current = onDemand.desired;
    const toward = share.units >= current ? Math.min(share.units, Math.max(current, uncovered)) : Math.max(share.units, Math.min(current, uncovered));
    const held: Reason[] = toward === share.units ? [] : [{ code: 'split', message: `moves only to ${toward} while Spot holds ${spotUnits * spot.slotsPerUnit} of ${target.slots} slots` }];
    settle(onDemand, { units: toward, reasons: [...target.reasons, ...share.reasons, ...held] });

    const burstSpot = findPool(input.pools, 'burst-spot');
    const burstOnDemand = findPool(input.pools, 'burst-ondemand');
    if (burstSpot && burstOnDemand) {
      const burst = burstSlots(target, [spot, onDemand], rest.overflowSlots, burstSpot.slotsPerUnit, input.settings);
      const split = splitBurst(Math.ceil(burst.slots / burstSpot.slotsPerUnit), burstSpot, input.now, memory, input.settings);
      if (split.pendingSince !== undefined) nextMemory.burstSpotPendingSince = split.pendingSince;
      settle(burstSpot, { units: split.spot.units, reasons: [burst.reason, ...split.spot.reasons] });
      settle(burstOnDemand, split.onDemand);
    }
  }

  const pools = input.pools.flatMap((pool) => decided.get(pool.name) ?? []);
  return {
    at: new Date(input.now).toISOString(),
    policy: input.settings.policy,
    queue: input.queue,
    ...(target.rule ? { rule: target.rule } : {}),
    targetSlots: target.slots,
    pools,
    changed: pools.some((pool) => pool.desired !== pool.current),
    memory: nextMemory,
  };
}

function fleetTarget(input: DecisionInput, primary: readonly [PoolState, ...PoolState[]]): FleetTarget {
  return input.settings.policy === 'step' ? stepTarget(input, primary) : backlogTarget(input);
}

/**
 * A pool asked for more than the scaler last set was scaled out by someone else (the ASG's CPU
 * target tracking, a scheduled action, an operator): that counts as a scale-out, so the scaler's
 * scale-in cooldown starts and it does not undo the safety net's work straight away.
 */
function noteExternalScaleOuts(input: DecisionInput): { memory: PolicyMemory; scaledOutByOthers: Set<ScalablePoolName> } {
  const lastScaleOutAt = { ...input.memory.lastScaleOutAt };
  const scaledOutByOthers = new Set<ScalablePoolName>();
  for (const pool of input.pools) {
    const lastSet = input.memory.lastSetDesired[pool.name];
    if (lastSet === undefined || pool.desired <= lastSet) continue;
    lastScaleOutAt[pool.name] = input.now;
    scaledOutByOthers.add(pool.name);
  }
  return { memory: { ...input.memory, lastScaleOutAt }, scaledOutByOthers };
}

function describe(pool: PoolState, desired: number, reasons: Reason[]): PoolDecision {
  const isEc2 = pool.name === 'spot' || pool.name === 'on-demand';
  return {
    name: pool.name,
    unit: isEc2 ? 'slots' : pool.name === 'local' ? 'workers' : 'tasks',
    current: pool.desired,
    desired,
    currentSlots: pool.desired * pool.slotsPerUnit,
    desiredSlots: desired * pool.slotsPerUnit,
    ...(isEc2
      ? { currentInstances: Math.ceil(pool.desired / pool.unitsPerInstance), desiredInstances: Math.ceil(desired / pool.unitsPerInstance) }
      : {}),
    reasons,
  };
}

function findPool(pools: readonly PoolState[], name: ScalablePoolName): PoolState | undefined {
  return pools.find((pool) => pool.name === name);
}

function requirePool(pools: readonly PoolState[], name: ScalablePoolName): PoolState {
  const pool = findPool(pools, name);
  if (!pool) throw new PoolLayoutError(`the "${name}" pool is missing: pass spot and on-demand (and optionally both burst pools), or one local pool`);
  return pool;
}
