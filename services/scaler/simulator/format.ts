import { POOL_NAMES } from '../../../environments/index.js';
import type { SimulationSummary } from './summary.js';

/** `agentfleet simulate` for people: the headline numbers, the pools, and capacity per pool over time. */

const ROWS_OVER_TIME = 16;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const render = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  return [render(header), ...rows.map(render)];
}

function clock(startIso: string, at: number): string {
  return new Date(Date.parse(startIso) + at * 1000).toISOString().slice(11, 16);
}

export function formatSummary(summary: SimulationSummary): string {
  const { runs, wait } = summary;
  const lines = [
    `${summary.environment} · trace ${summary.trace.name} (${summary.trace.start}, ${(summary.trace.durationSeconds / 3600).toFixed(1)} h) · policy ${summary.policy} · seed ${summary.seed}`,
    '',
    `cost          $${summary.costUsd.toFixed(2)} over the trace`,
    `queue wait    p50 ${wait.p50} s · p95 ${wait.p95} s · p99 ${wait.p99} s`,
    `longest queue ${summary.maxQueue} runs`,
    `utilisation   ${(summary.utilisation * 100).toFixed(1)} % of slots in service were busy`,
    `runs          ${runs.arrivedInTrace} arrived in the trace; at its end ${runs.running} running, ${runs.queued} queued; ${runs.handedBack} handed back on a Spot notice and retried`,
    '',
    ...table(
      ['pool', 'peak slots', 'max slots', 'launched', 'Spot notices', 'unit-hours', '$/unit-hour', 'cost $'],
      summary.pools.map((p) => [p.name, String(p.peakSlots), String(p.maxSlots), String(p.launched), String(p.spotNotices), p.machineHours.toFixed(1), p.unitHourlyUsd.toFixed(4), p.costUsd.toFixed(2)]),
    ),
    '',
    'capacity in service over time (slots)',
  ];
  const step = Math.max(1, Math.floor(summary.timeline.length / ROWS_OVER_TIME));
  const samples = summary.timeline.filter((_, i) => i % step === 0);
  lines.push(
    ...table(
      ['time UTC', 'arrived/min', 'queued', 'running', ...POOL_NAMES],
      samples.map((s) => [
        clock(summary.trace.start, s.at),
        String(Math.round((s.arrivals / summary.model.tickSeconds) * 60)),
        String(s.queued),
        String(s.running),
        ...POOL_NAMES.map((pool) => String(s.pools[pool].inServiceSlots)),
      ]),
    ),
  );
  lines.push(
    '',
    `model: scaler tick ${summary.model.tickSeconds} s; EC2 ready ${summary.model.ec2ReadySeconds.min}–${summary.model.ec2ReadySeconds.max} s, Fargate ${summary.model.fargateReadySeconds.min}–${summary.model.fargateReadySeconds.max} s (uniform); ` +
      `Spot notice ${summary.model.spotNoticeSeconds} s, ${(summary.model.spotInterruptionsPerMonth * 100).toFixed(0)} % reclaimed per month; ${summary.model.warmupSeconds} s warm-up not measured`,
  );
  return `${lines.join('\n')}\n`;
}
