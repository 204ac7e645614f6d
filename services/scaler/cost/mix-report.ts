import { POOL_NAMES, type EnvironmentConfig, type PoolName } from '../../../environments/index.js';
import { cheapestMix, mixShares, unlimited, type MixProblem } from './cheapest-mix.js';
import { configLimits, quotaNeeds, type ConfigLimit, type QuotaNeed } from './limits.js';
import { poolUnitHourlyUsd, slotsPerUnit } from './pool-cost.js';
import { poolLines, type PoolLine } from './pool-line.js';
import { savingsPlanOptions, type SavingsPlanOption } from './savings-plan.js';
import { sqsUsageFor } from './sqs-assumptions.js';
import { sqsRequestsMonthlyUsd } from './sqs-cost.js';

/**
 * `capacity --concurrency N`: the cheapest mix for N within the config's split and limits, what it
 * costs, the Savings Plan for its On-Demand baseline, and, when the limits are too tight, the mix N
 * would need and which limits (config and account) stand in the way.
 */

/** Each share of the mix may differ from the config's split by this much (0.05: 70 % means 65–75 %). */
export const SPLIT_TOLERANCE = 0.05;

export function mixProblem(config: EnvironmentConfig, target: number, tolerance = SPLIT_TOLERANCE): MixProblem {
  const pool = (name: PoolName) => ({
    slotsPerUnit: slotsPerUnit(config, name),
    unitHourlyUsd: poolUnitHourlyUsd(config, name),
    min: config.pools[name].min,
    max: config.pools[name].max,
  });
  return {
    target,
    pools: Object.fromEntries(POOL_NAMES.map((name) => [name, pool(name)])) as MixProblem['pools'],
    split: config.capacitySplit,
    tolerance,
    maxBurstTasks: config.scaling.burst.maxTotalTasks,
  };
}

export interface MixReport {
  targetConcurrency: number;
  /** A mix within the config's limits holds the target. */
  meets: boolean;
  /** False when no mix within the limits holds the target and this is the mix it would need instead. */
  withinLimits: boolean;
  splitTolerance: number;
  slots: number;
  shares: { spot: number; 'on-demand': number; burst: number };
  monthlyCostUsd: number;
  computeMonthlyCostUsd: number;
  sqsMonthlyCostUsd: number;
  pools: PoolLine[];
  /** A Compute Savings Plan covering the mix's On-Demand EC2 instances (the always-on baseline). */
  savingsPlan: { coveredHourlyUsd: number; options: SavingsPlanOption[] };
  limits: ConfigLimit[];
  quotas: QuotaNeed[];
}

export function mixReport(config: EnvironmentConfig, target: number, tolerance = SPLIT_TOLERANCE): MixReport | undefined {
  const problem = mixProblem(config, target, tolerance);
  const within = cheapestMix(problem);
  const found = within ?? cheapestMix(unlimited(problem));
  if (!found) return undefined;
  const pools = poolLines(config, found.units);
  const computeMonthlyCostUsd = pools.reduce((sum, line) => sum + line.monthlyCostUsd, 0);
  const sqsMonthlyCostUsd = sqsRequestsMonthlyUsd(config.pricing, sqsUsageFor(config, target, pools));
  const onDemand = pools.find((line) => line.name === 'on-demand');
  const coveredHourlyUsd = onDemand ? onDemand.units * onDemand.unitHourlyUsd : 0;
  return {
    targetConcurrency: target,
    meets: within !== undefined,
    withinLimits: within !== undefined,
    splitTolerance: tolerance,
    slots: found.slots,
    shares: mixShares(problem, found.units),
    monthlyCostUsd: computeMonthlyCostUsd + sqsMonthlyCostUsd,
    computeMonthlyCostUsd,
    sqsMonthlyCostUsd,
    pools,
    savingsPlan: { coveredHourlyUsd, options: savingsPlanOptions(config.pricing, coveredHourlyUsd) },
    limits: configLimits(config, found.units),
    quotas: quotaNeeds(config, found.units),
  };
}
