import type { CapacityReport } from './capacity-report.js';
import type { MixReport } from './mix-report.js';
import type { PlanReport } from './plan-cost.js';
import type { PoolLine } from './pool-line.js';

/** `agentfleet capacity` for a person: aligned tables, money rounded for reading (the JSON keeps full precision). */

/** `align`: one letter per column, `l` for text, `r` for numbers. */
function table(header: string[], rows: string[][], align: string): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (align[i] === 'r' ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const int = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 0 });
const usd = (value: number, digits = 0) => `$${value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
const percent = (value: number) => `${(value * 100).toFixed(1)} %`;

function poolTable(pools: PoolLine[], total: { compute: number; sqs: number }): string {
  const rows = pools.map((p) => [p.name, `${int(p.units)} ${p.unit === 'instance' ? 'inst.' : p.units === 1 ? 'task' : 'tasks'}`, p.unitType, int(p.slotsPerUnit), int(p.slots), usd(p.unitHourlyUsd, 4), usd(p.slotHourlyUsd, 4), usd(p.monthlyCostUsd)]);
  rows.push(['SQS requests', '', '', '', '', '', '', usd(total.sqs)]);
  rows.push(['total', '', '', '', int(pools.reduce((sum, p) => sum + p.slots, 0)), '', '', usd(total.compute + total.sqs)]);
  return table(['pool', 'units', 'unit', 'slots/unit', 'slots', '$/unit-h', '$/slot-h', '$/month'], rows, 'lrlrrrrr');
}

function plan(report: PlanReport): string {
  const verdict = report.meets ? 'meets it' : `MISSES it by ${int(report.targetConcurrency - report.slots)} slots`;
  const stated = report.statedMonthlyCostUsd === undefined ? '' : ` (stated: ${usd(report.statedMonthlyCostUsd)})`;
  return [
    `Plan "${report.name}": ${int(report.slots)} slots for ${int(report.targetConcurrency)} concurrent runs: ${verdict}; ${usd(report.monthlyCostUsd)}/month${stated}`,
    poolTable(report.pools, { compute: report.computeMonthlyCostUsd, sqs: report.sqsMonthlyCostUsd }),
  ].join('\n');
}

function mix(report: MixReport): string {
  const head = report.withinLimits
    ? `Cheapest mix for ${int(report.targetConcurrency)} concurrent runs within the split (±${report.splitTolerance * 100} points) and the config's limits: meets it`
    : `No mix within the config's limits holds ${int(report.targetConcurrency)} concurrent runs (meets: no). The cheapest mix within the split that would:`;
  const shares = `shares: spot ${percent(report.shares.spot)}, on-demand ${percent(report.shares['on-demand'])}, burst ${percent(report.shares.burst)}`;
  const savings = report.savingsPlan.options.map(
    (o) => `  ${o.term}: commit ${usd(o.commitmentHourlyUsd, 3)}/hour (${Math.round(o.discount * 100)} % off ${usd(report.savingsPlan.coveredHourlyUsd, 3)}/hour), saves ${usd(o.monthlySavingsUsd)}/month`,
  );
  const raise = report.limits.filter((l) => l.raise).map((l) => [l.path, int(l.current), int(l.needed)]);
  const quotas = report.quotas
    .filter((q) => q.needed > 0)
    .map((q) => [q.name, q.code, `${int(q.needed)} ${q.unit}`, q.documentedDefault === undefined ? 'account-specific' : `${int(q.documentedDefault)} ${q.unit}`, q.check ? 'check / raise' : 'ok']);
  return [
    head,
    poolTable(report.pools, { compute: report.computeMonthlyCostUsd, sqs: report.sqsMonthlyCostUsd }),
    shares,
    'Compute Savings Plan covering the On-Demand baseline:',
    ...savings,
    raise.length > 0 ? `Config limits to raise:\n${table(['limit', 'now', 'needed'], raise, 'lrr')}` : 'Config limits: all hold this mix.',
    `Account quotas this mix needs (AWS defaults, labelled; read yours in Service Quotas):\n${table(['quota', 'code', 'needed', 'AWS default', ''], quotas, 'llrrl')}`,
  ].join('\n');
}

function brief(report: CapacityReport): string {
  const rows = report.brief.instanceTable.map((r) => {
    const range = (low: number, high: number, digits: number) => (low === high ? usd(low, digits) : `${usd(low, digits)}-${usd(high, digits)}`);
    return [r.type, `${r.vcpu}/${r.memoryGiB}`, usd(r.spotHourlyUsd, 3), range(r.briefTasks.low, r.briefTasks.high, 0).replaceAll('$', ''), int(r.slots), range(r.briefTaskHourUsd.low, r.briefTaskHourUsd.high, 4), range(r.taskHourUsd.low, r.taskHourUsd.high, 5), r.agrees ? 'yes' : 'NO'];
  });
  const findings = report.brief.findings.map((f) => [f.subject, f.brief, f.computed, f.holds ? 'holds' : 'DOES NOT ADD UP']);
  return [
    'The brief\'s instance table, recomputed from the prices (0.5 vCPU / 2 GiB agent):',
    table(['type', 'vCPU/GiB', 'Spot $/h', 'brief tasks', 'slots', 'brief $/task-h', 'computed', 'agrees'], rows, 'lrrrrrrl'),
    '',
    'The brief\'s other figures (0.5 vCPU / 2 GiB agent):',
    table(['figure', 'brief', 'computed', ''], findings, 'llll'),
  ].join('\n');
}

function assumptions(report: CapacityReport): string {
  const sqs = report.assumptions.sqs;
  return [
    `Assumptions: a month is ${report.hoursPerMonth} h; every pool priced at its nominal type, On-Demand at list price; SQS: one send, receive and delete per run,`,
    `mean run ${sqs.meanRunSeconds} s, a visibility extension every ${sqs.heartbeatSeconds} s per running run (${sqs.heartbeatBatch.toFixed(1)} per ChangeMessageVisibilityBatch on a full spot worker), ${sqs.messageKiB} KiB messages.`,
  ].join('\n');
}

function prices(report: CapacityReport): string {
  return ['Prices (date, source):', table(['price', 'value', 'unit', 'date', 'source'], report.prices.map((p) => [p.name, String(p.value), p.unit, p.date, p.source]), 'lrlll')].join('\n');
}

export function formatCapacity(report: CapacityReport): string {
  const footprint = `${report.footprint.vcpu} vCPU / ${report.footprint.memoryGiB} GiB per run (${report.footprintSource === 'flag' ? '--footprint' : 'from the config'})`;
  const sections = [`Capacity of ${report.env}, slots sized for ${footprint}`, ...report.plans.map(plan)];
  if (report.mix !== undefined) sections.push(report.mix ? mix(report.mix) : 'No mix within the split holds that concurrency, even without the pool limits.');
  sections.push(brief(report), assumptions(report), prices(report));
  return `${sections.join('\n\n')}\n`;
}
