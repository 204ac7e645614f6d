import type { PoolName } from '../../../environments/index.js';

/**
 * The cheapest capacity that holds `target` concurrent runs, in whole units (instances of a pool's
 * nominal type, or tasks), within each pool's min and max, the cap on burst tasks, and the config's
 * split (spot / on-demand / burst shares of the mix's slots, each within ± `tolerance`).
 *
 * The search walks every on-demand and burst size and takes, for each, the fewest Spot instances that
 * satisfy everything: cost grows with Spot instances, and so does the Spot share, so the first Spot
 * count that fits is the cheapest for that choice. When both burst pools run the same task, a
 * burst-ondemand task only ever replaces a burst-spot task that cannot be had (same slots, dearer),
 * so burst-ondemand then grows only once burst-spot is at its max.
 */

export interface MixPool {
  slotsPerUnit: number;
  unitHourlyUsd: number;
  min: number;
  max: number;
}

export interface MixProblem {
  target: number;
  pools: Record<PoolName, MixPool>;
  split: { spot: number; 'on-demand': number; burst: number };
  /** How far each share may stray from the split, as a fraction of the mix's slots (0.05 = ± 5 points). */
  tolerance: number;
  /** burst-spot + burst-ondemand tasks together. */
  maxBurstTasks: number;
}

export type Mix = Record<PoolName, number>;

export interface MixResult {
  units: Mix;
  slots: number;
  hourlyUsd: number;
}

export function mixSlots(problem: MixProblem, units: Mix): number {
  return (Object.keys(units) as PoolName[]).reduce((sum, pool) => sum + units[pool] * problem.pools[pool].slotsPerUnit, 0);
}

export function mixHourlyUsd(problem: MixProblem, units: Mix): number {
  return (Object.keys(units) as PoolName[]).reduce((sum, pool) => sum + units[pool] * problem.pools[pool].unitHourlyUsd, 0);
}

/** Spot, on-demand and burst shares of the mix's slots (all 0 for an empty mix). */
export function mixShares(problem: MixProblem, units: Mix): { spot: number; 'on-demand': number; burst: number } {
  const total = mixSlots(problem, units);
  if (total === 0) return { spot: 0, 'on-demand': 0, burst: 0 };
  const slots = (pool: PoolName) => units[pool] * problem.pools[pool].slotsPerUnit;
  return { spot: slots('spot') / total, 'on-demand': slots('on-demand') / total, burst: (slots('burst-spot') + slots('burst-ondemand')) / total };
}

/** Float slack so a share of exactly 0.65 is not refused for being 0.6499999. */
const EPSILON = 1e-9;

function shareGap(share: number, wanted: number, tolerance: number): -1 | 0 | 1 {
  if (share < wanted - tolerance - EPSILON) return -1;
  if (share > wanted + tolerance + EPSILON) return 1;
  return 0;
}

/** Whether `units` satisfies every rule of the problem (the target, limits, burst cap and split). */
export function isValidMix(problem: MixProblem, units: Mix): boolean {
  const withinLimits = (Object.keys(units) as PoolName[]).every((pool) => units[pool] >= problem.pools[pool].min && units[pool] <= problem.pools[pool].max);
  if (!withinLimits || units['burst-spot'] + units['burst-ondemand'] > problem.maxBurstTasks) return false;
  if (mixSlots(problem, units) < problem.target) return false;
  const shares = mixShares(problem, units);
  return (['spot', 'on-demand', 'burst'] as const).every((part) => shareGap(shares[part], problem.split[part], problem.tolerance) === 0);
}

/** The problem in plain numbers, so the search's inner loop allocates nothing. */
interface Flat {
  size: Record<PoolName, number>;
  price: Record<PoolName, number>;
}

function flatten(problem: MixProblem): Flat {
  const pick = (key: 'slotsPerUnit' | 'unitHourlyUsd') =>
    Object.fromEntries((Object.keys(problem.pools) as PoolName[]).map((pool) => [pool, problem.pools[pool][key]])) as Record<PoolName, number>;
  return { size: pick('slotsPerUnit'), price: pick('unitHourlyUsd') };
}

/** The fewest Spot instances that make a valid mix with `otherSlots` slots elsewhere, or -1 when none does. */
function fewestSpot(problem: MixProblem, flat: Flat, onDemandSlots: number, burstSlots: number): number {
  const { spot } = problem.pools;
  const { split, tolerance } = problem;
  const otherSlots = onDemandSlots + burstSlots;
  const low = split.spot - tolerance;
  // Below this many instances the Spot share is under its floor whatever else holds.
  const shareFloor = low > 0 && low < 1 ? Math.floor((low * otherSlots) / (flat.size.spot * (1 - low))) : 0;
  const start = Math.max(spot.min, Math.ceil((problem.target - otherSlots) / flat.size.spot), shareFloor);
  for (let count = start; count <= spot.max; count++) {
    const spotSlots = count * flat.size.spot;
    const total = spotSlots + otherSlots;
    if (total === 0) continue;
    const spotGap = shareGap(spotSlots / total, split.spot, tolerance);
    const onDemandGap = shareGap(onDemandSlots / total, split['on-demand'], tolerance);
    const burstGap = shareGap(burstSlots / total, split.burst, tolerance);
    // More Spot raises its share and lowers the others': past these points no larger count can fit.
    if (spotGap > 0 || onDemandGap < 0 || burstGap < 0) return -1;
    if (spotGap === 0 && onDemandGap === 0 && burstGap === 0 && total >= problem.target) return count;
  }
  return -1;
}

/** The cheapest valid mix, or undefined when the limits and split allow none that holds the target. */
export function cheapestMix(problem: MixProblem): MixResult | undefined {
  const { pools, target, split, tolerance } = problem;
  const flat = flatten(problem);
  const { size, price } = flat;
  const spotTaskFirst = price['burst-spot'] <= price['burst-ondemand'] && size['burst-spot'] === size['burst-ondemand'];
  // Any valid mix has at least `target` slots, so each share's floor is a floor in slots too.
  const onDemandStart = Math.max(pools['on-demand'].min, Math.floor(((split['on-demand'] - tolerance) * target) / size['on-demand']));
  const burstFloorSlots = (split.burst - tolerance) * target;
  let best: Mix | undefined;
  let bestUsd = Number.POSITIVE_INFINITY;
  let bestSlots = Number.POSITIVE_INFINITY;
  for (let onDemand = onDemandStart; onDemand <= pools['on-demand'].max; onDemand++) {
    const burstSpotStart = Math.max(pools['burst-spot'].min, Math.floor((burstFloorSlots - pools['burst-ondemand'].max * size['burst-ondemand']) / size['burst-spot']));
    for (let burstSpot = burstSpotStart; burstSpot <= pools['burst-spot'].max; burstSpot++) {
      const onDemandTaskMax = spotTaskFirst && burstSpot < pools['burst-spot'].max ? pools['burst-ondemand'].min : pools['burst-ondemand'].max;
      for (let burstOnDemand = pools['burst-ondemand'].min; burstOnDemand <= onDemandTaskMax; burstOnDemand++) {
        if (burstSpot + burstOnDemand > problem.maxBurstTasks) break;
        const partialUsd = onDemand * price['on-demand'] + burstSpot * price['burst-spot'] + burstOnDemand * price['burst-ondemand'];
        const onDemandSlots = onDemand * size['on-demand'];
        const burstSlots = burstSpot * size['burst-spot'] + burstOnDemand * size['burst-ondemand'];
        const spotAtLeast = Math.max(pools.spot.min, Math.ceil((target - onDemandSlots - burstSlots) / size.spot));
        if (partialUsd + spotAtLeast * price.spot > bestUsd + EPSILON) continue;
        const spot = fewestSpot(problem, flat, onDemandSlots, burstSlots);
        if (spot < 0) continue;
        const usd = partialUsd + spot * price.spot;
        const slots = onDemandSlots + burstSlots + spot * size.spot;
        if (usd < bestUsd - EPSILON || (Math.abs(usd - bestUsd) <= EPSILON && slots < bestSlots)) {
          best = { spot, 'on-demand': onDemand, 'burst-spot': burstSpot, 'burst-ondemand': burstOnDemand };
          bestUsd = usd;
          bestSlots = slots;
        }
      }
    }
  }
  return best && { units: best, slots: mixSlots(problem, best), hourlyUsd: mixHourlyUsd(problem, best) };
}

/**
 * The same problem without pool maxima or the burst cap: the mix `target` would need, so the planner
 * can say which limits to raise. Each pool is bounded by what the split could ever give it.
 */
export function unlimited(problem: MixProblem): MixProblem {
  const ceilingOf = (pool: PoolName, share: number) =>
    Math.max(problem.pools[pool].min, Math.ceil((Math.min(1, share + problem.tolerance) * problem.target * 2) / problem.pools[pool].slotsPerUnit) + 1);
  const burst = problem.split.burst;
  return {
    ...problem,
    pools: {
      spot: { ...problem.pools.spot, max: ceilingOf('spot', problem.split.spot) },
      'on-demand': { ...problem.pools['on-demand'], max: ceilingOf('on-demand', problem.split['on-demand']) },
      'burst-spot': { ...problem.pools['burst-spot'], max: ceilingOf('burst-spot', burst) },
      'burst-ondemand': { ...problem.pools['burst-ondemand'], max: problem.pools['burst-ondemand'].min },
    },
    maxBurstTasks: Number.MAX_SAFE_INTEGER,
  };
}
