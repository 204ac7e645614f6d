import type { CapacityPlan, EnvironmentConfig } from '../../../environments/index.js';
import { poolLines, type PoolLine } from './pool-line.js';
import { sqsUsageFor } from './sqs-assumptions.js';
import { sqsRequestsMonthlyUsd } from './sqs-cost.js';

/** A capacity plan of the config, priced: what it holds, what it costs a month, and whether it meets its target. */
export interface PlanReport {
  name: string;
  slots: number;
  /** The top of the load the plan is named for (`concurrency.max`, or `min` for "N and up"). */
  targetConcurrency: number;
  meets: boolean;
  /** Compute (all pools, all month) + SQS requests for the runs the plan can actually hold. */
  monthlyCostUsd: number;
  computeMonthlyCostUsd: number;
  sqsMonthlyCostUsd: number;
  statedMonthlyCostUsd?: number;
  pools: PoolLine[];
}

export function targetOf(plan: CapacityPlan): number {
  return plan.concurrency.max ?? plan.concurrency.min;
}

export function planReport(config: EnvironmentConfig, plan: CapacityPlan): PlanReport {
  const pools = poolLines(config, plan.capacity);
  const slots = pools.reduce((sum, line) => sum + line.slots, 0);
  const targetConcurrency = targetOf(plan);
  const computeMonthlyCostUsd = pools.reduce((sum, line) => sum + line.monthlyCostUsd, 0);
  const sqsMonthlyCostUsd = sqsRequestsMonthlyUsd(config.pricing, sqsUsageFor(config, Math.min(slots, targetConcurrency), pools));
  return {
    name: plan.name,
    slots,
    targetConcurrency,
    meets: slots >= targetConcurrency,
    monthlyCostUsd: computeMonthlyCostUsd + sqsMonthlyCostUsd,
    computeMonthlyCostUsd,
    sqsMonthlyCostUsd,
    ...(plan.statedMonthlyCostUsd === undefined ? {} : { statedMonthlyCostUsd: plan.statedMonthlyCostUsd }),
    pools,
  };
}
