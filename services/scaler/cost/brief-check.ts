import { GRAVITON_SHAPES } from '../../../environments/catalog.js';
import { BRIEF_AGENT_RUN } from '../../../environments/deployed-agents.js';
import type { EnvironmentConfig, PoolName } from '../../../environments/index.js';
import { slotsOn, type RunFootprint } from '../../../environments/sizing.js';
import { withFootprint } from './footprint.js';
import { planReport, type PlanReport } from './plan-cost.js';
import { slotHourlyUsd } from './pool-cost.js';

/**
 * The brief's own figures, checked against the prices and the slot arithmetic: its instance table
 * ($/task-hour), the $/task-hour labels of its three pools, and its plans' costs and capacities.
 * The figures below are quoted from architecture-brief.md; everything else is computed.
 */

interface Range {
  low: number;
  high: number;
}

/** "Instance Type Selection": tasks per instance and $/task-hour, as written (a single figure is low = high). */
export const BRIEF_INSTANCE_TABLE: readonly { type: keyof typeof GRAVITON_SHAPES; tasks: Range; taskHourUsd: Range }[] = [
  { type: 'c6g.xlarge', tasks: { low: 4, high: 4 }, taskHourUsd: { low: 0.0085, high: 0.0085 } },
  { type: 'c6g.2xlarge', tasks: { low: 8, high: 8 }, taskHourUsd: { low: 0.0085, high: 0.0085 } },
  { type: 'm6g.xlarge', tasks: { low: 4, high: 8 }, taskHourUsd: { low: 0.005, high: 0.01 } },
  { type: 'm6g.2xlarge', tasks: { low: 8, high: 16 }, taskHourUsd: { low: 0.005, high: 0.01 } },
  { type: 'r6g.xlarge', tasks: { low: 8, high: 16 }, taskHourUsd: { low: 0.003, high: 0.006 } },
];

/** The architecture diagram's per-pool labels: Spot "~$0.03", On-Demand "~$0.10", Fargate "~$0.15" per task-hour. */
export const BRIEF_POOL_LABELS: Partial<Record<PoolName, number>> = { spot: 0.03, 'on-demand': 0.1, 'burst-ondemand': 0.15 };

export interface InstanceTableRow {
  type: string;
  vcpu: number;
  memoryGiB: number;
  spotHourlyUsd: number;
  briefTasks: Range;
  slots: number;
  briefTaskHourUsd: Range;
  /** Spot price / the brief's task counts (high tasks → low $), and at our slot count. */
  taskHourUsd: Range;
  slotHourUsd: number;
  /** Each end agrees with the brief to the precision it was written in. */
  agrees: boolean;
}

function decimals(value: number): number {
  return (String(value).split('.')[1] ?? '').length;
}

/** `computed` rounds to `written` at the precision `written` was given in. */
export function agreesAsWritten(computed: number, written: number): boolean {
  return Math.abs(computed - written) <= 0.5 * 10 ** -decimals(written) + 1e-12;
}

export function instanceTable(config: EnvironmentConfig, run: RunFootprint = BRIEF_AGENT_RUN): InstanceTableRow[] {
  return BRIEF_INSTANCE_TABLE.map((row) => {
    const shape = GRAVITON_SHAPES[row.type];
    const spotHourlyUsd = config.pricing.instances[row.type]?.spotHourlyUsd.value ?? Number.NaN;
    const slots = slotsOn(shape, run);
    const taskHourUsd = { low: spotHourlyUsd / row.tasks.high, high: spotHourlyUsd / row.tasks.low };
    return {
      type: row.type,
      vcpu: shape.vcpu,
      memoryGiB: shape.memoryGiB,
      spotHourlyUsd,
      briefTasks: row.tasks,
      slots,
      briefTaskHourUsd: row.taskHourUsd,
      taskHourUsd,
      slotHourUsd: spotHourlyUsd / slots,
      agrees:
        agreesAsWritten(taskHourUsd.low, row.taskHourUsd.low) &&
        agreesAsWritten(taskHourUsd.high, row.taskHourUsd.high) &&
        slots >= row.tasks.low &&
        slots <= row.tasks.high,
    };
  });
}

export interface BriefFinding {
  subject: string;
  brief: string;
  computed: string;
  holds: boolean;
}

const usd = (value: number, digits = 0) => `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;

/** Where the brief's figures hold and where they do not, for the brief's agent. */
export function briefFindings(config: EnvironmentConfig): BriefFinding[] {
  const brief = withFootprint(config, BRIEF_AGENT_RUN);
  const findings: BriefFinding[] = [];
  for (const plan of brief.plans.map((p) => ({ p, report: planReport(brief, p) }))) {
    findings.push(...planFindings(plan.p.statedMonthlyCostUsd, plan.report));
  }
  for (const [pool, label] of Object.entries(BRIEF_POOL_LABELS) as [PoolName, number][]) {
    const computed = slotHourlyUsd(brief, pool);
    findings.push({
      subject: `${pool} $/task-hour (diagram label)`,
      brief: `~${usd(label, 2)}`,
      computed: `${usd(computed, 4)} (${(computed / label).toFixed(2)}× the label)`,
      holds: computed >= label / 1.5 && computed <= label * 1.5,
    });
  }
  const oneYear = config.pricing.savingsPlan.oneYearDiscount.value;
  findings.push({
    subject: 'Compute Savings Plan discount',
    brief: '30-40% off',
    computed: `${Math.round(oneYear * 100)} % typical for 1 year, no upfront; ${Math.round(config.pricing.savingsPlan.threeYearDiscount.value * 100)} % for 3 years`,
    holds: oneYear >= 0.3 && oneYear <= 0.4,
  });
  return findings;
}

function planFindings(stated: number | undefined, report: PlanReport): BriefFinding[] {
  const findings: BriefFinding[] = [];
  if (stated !== undefined) {
    const ratio = report.computeMonthlyCostUsd / stated;
    findings.push({
      subject: `${report.name} plan cost`,
      brief: `~${usd(stated)}/month`,
      computed: `${usd(report.computeMonthlyCostUsd)}/month of compute at these prices (${ratio >= 1 ? '+' : ''}${Math.round((ratio - 1) * 100)} %)`,
      holds: Math.abs(ratio - 1) <= 0.1,
    });
  }
  findings.push({
    subject: `${report.name} plan capacity`,
    brief: `${report.targetConcurrency.toLocaleString('en-US')} concurrent runs`,
    computed: `${report.slots.toLocaleString('en-US')} slots of a ${BRIEF_AGENT_RUN.vcpu} vCPU / ${BRIEF_AGENT_RUN.memoryGiB} GiB agent`,
    holds: report.meets,
  });
  return findings;
}
