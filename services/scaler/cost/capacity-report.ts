import type { EnvironmentConfig } from '../../../environments/index.js';
import type { RunFootprint } from '../../../environments/sizing.js';
import { briefFindings, instanceTable, type BriefFinding, type InstanceTableRow } from './brief-check.js';
import { withFootprint } from './footprint.js';
import { mixReport, SPLIT_TOLERANCE, type MixReport } from './mix-report.js';
import { planReport, type PlanReport } from './plan-cost.js';
import { HOURS_PER_MONTH } from './pool-cost.js';
import { priceList, type PriceLine } from './price-list.js';
import { sqsAssumptions } from './sqs-assumptions.js';
import type { SqsUsage } from './sqs-cost.js';

/** `agentfleet capacity`: everything the command prints, as one plain object (its `--json`). */
export interface CapacityReport {
  env: string;
  /** The footprint slots are sized for: the config's, or `--footprint`. */
  footprint: RunFootprint;
  footprintSource: 'config' | 'flag';
  hoursPerMonth: number;
  plans: PlanReport[];
  /** Present with `--concurrency`. */
  mix?: MixReport | null;
  brief: { instanceTable: InstanceTableRow[]; findings: BriefFinding[] };
  assumptions: { sqs: Omit<SqsUsage, 'concurrency'>; splitTolerance: number };
  prices: PriceLine[];
}

export interface CapacityOptions {
  concurrency?: number;
  footprint?: RunFootprint;
}

export function capacityReport(base: EnvironmentConfig, options: CapacityOptions = {}): CapacityReport {
  const config = options.footprint ? withFootprint(base, options.footprint) : base;
  return {
    env: config.name,
    footprint: { ...config.worker.run },
    footprintSource: options.footprint ? 'flag' : 'config',
    hoursPerMonth: HOURS_PER_MONTH,
    plans: config.plans.map((plan) => planReport(config, plan)),
    ...(options.concurrency === undefined ? {} : { mix: mixReport(config, options.concurrency) ?? null }),
    brief: { instanceTable: instanceTable(config), findings: briefFindings(config) },
    assumptions: { sqs: sqsAssumptions(config), splitTolerance: SPLIT_TOLERANCE },
    prices: priceList(config.pricing),
  };
}
