import type { PolicySettings, PoolState, Reason } from './types.js';
import type { FleetTarget } from './target.js';

/**
 * How a fleet target (in slots) is spread over the pools, following the brief's 70/20/10 split:
 * - On-Demand gets its share of the target (20 %), held within its fixed band (the pool's min/max,
 *   the brief's 30–50 instances): it is the guaranteed baseline, not a scaling pool.
 * - Spot takes the rest of the target (≈ 70 % or more), after what On-Demand will really hold once
 *   its own limits apply (slow scale-in, floors, busy slots): it is the cheap primary pool. Placing
 *   Spot after On-Demand's final size keeps Spot + On-Demand at the target, so capacity held by a
 *   floor or a slow scale-in in one pool is never asked of the other again.
 * - The Fargate burst share (10 %) is not standing capacity: burst tasks bridge only what EC2 has not
 *   brought into service yet (instances still booting), at most the burst share of the target plus
 *   whatever the EC2 pools cannot hold even at their max, and never more than `maxBurstTasks`. Once
 *   EC2 instances are in service the gap closes and the burst pools shrink again.
 */

export interface RawTarget {
  units: number;
  reasons: Reason[];
}

export function onDemandShare(target: FleetTarget, onDemand: PoolState, split: PolicySettings['split']): RawTarget {
  const share = Math.ceil((target.slots * split['on-demand']) / onDemand.slotsPerUnit);
  return {
    units: Math.min(Math.max(share, onDemand.min), onDemand.max),
    reasons: [
      {
        code: 'split',
        message: `${percent(split['on-demand'])} of ${target.slots} slots = ${share}, held within the On-Demand band [${onDemand.min}, ${onDemand.max}]${instancesNote(onDemand)}`,
      },
    ],
  };
}

/** Spot's part given On-Demand's final size, and the slots of the target Spot cannot hold at its max. */
export function spotRest(target: FleetTarget, spot: PoolState, onDemandSlots: number): RawTarget & { overflowSlots: number } {
  const units = Math.ceil(Math.max(0, target.slots - onDemandSlots) / spot.slotsPerUnit);
  return {
    units,
    overflowSlots: Math.max(0, units - spot.max) * spot.slotsPerUnit,
    reasons: [{ code: 'split', message: `the rest of ${target.slots} slots after On-Demand's ${onDemandSlots}` }],
  };
}

/** Burst slots wanted now, before the Spot/On-Demand choice (burst.ts) and the limits (shaping.ts). */
export function burstSlots(
  target: FleetTarget,
  ec2Pools: readonly PoolState[],
  overflowSlots: number,
  taskSlots: number,
  settings: PolicySettings,
): { slots: number; reason: Reason } {
  if (!target.burst) {
    return { slots: 0, reason: { code: 'burst-off', message: 'the Fargate burst is not enabled by the policy' } };
  }
  const inService = ec2Pools.reduce((sum, pool) => sum + pool.running * pool.slotsPerUnit, 0);
  const gap = Math.max(0, target.slots - inService);
  const allowance = Math.ceil(target.slots * settings.split.burst) + overflowSlots;
  const cap = settings.maxBurstTasks * taskSlots;
  const slots = Math.min(gap, allowance, cap);
  return {
    slots,
    reason: {
      code: 'burst',
      message:
        `EC2 has ${inService} of ${target.slots} slots in service: Fargate bridges ${slots} slots ` +
        `(the gap ${gap}, at most ${percent(settings.split.burst)} of the target + ${overflowSlots} EC2 cannot hold = ${allowance}, cap ${settings.maxBurstTasks} tasks)`,
    },
  };
}

function instancesNote(pool: PoolState): string {
  if (pool.unitsPerInstance === 1) return '';
  return ` (${Math.ceil(pool.min / pool.unitsPerInstance)}–${Math.floor(pool.max / pool.unitsPerInstance)} instances)`;
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 1000) / 10}%`;
}
