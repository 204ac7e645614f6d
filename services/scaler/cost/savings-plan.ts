import type { Pricing } from '../../../environments/index.js';
import { HOURS_PER_MONTH } from './pool-cost.js';

/**
 * A Compute Savings Plan that covers steady On-Demand spend: commit to the discounted $/hour of that
 * spend, pay it every hour whether used or not, and the covered usage is billed at the discount.
 * Only the always-on On-Demand baseline should be covered; burst and Spot capacity comes and goes.
 */
export interface SavingsPlanOption {
  term: '1-year' | '3-year';
  discount: number;
  commitmentHourlyUsd: number;
  monthlySavingsUsd: number;
}

export function savingsPlanOptions(pricing: Pricing, onDemandHourlyUsd: number): SavingsPlanOption[] {
  const option = (term: SavingsPlanOption['term'], discount: number): SavingsPlanOption => ({
    term,
    discount,
    commitmentHourlyUsd: onDemandHourlyUsd * (1 - discount),
    monthlySavingsUsd: onDemandHourlyUsd * discount * HOURS_PER_MONTH,
  });
  return [option('1-year', pricing.savingsPlan.oneYearDiscount.value), option('3-year', pricing.savingsPlan.threeYearDiscount.value)];
}
