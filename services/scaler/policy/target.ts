import type { Reason, StepRuleSettings } from './types.js';

/**
 * What a policy asks of the primary pools (EC2 Spot + On-Demand, or the local pool): a number of
 * slots, and whether the Fargate burst pools may bridge what EC2 has not brought into service yet.
 */
export interface FleetTarget {
  slots: number;
  burst: boolean;
  rule?: StepRuleSettings;
  reasons: Reason[];
}
