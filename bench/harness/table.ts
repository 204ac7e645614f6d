import { formatNumber } from './goals.js';
import type { BenchResult, PinningReport } from './result.js';

/**
 * The markdown summary `make bench` prints and writes to bench/results/summary.md: one row per
 * benchmark, then a closing note for every goal missed or benchmark not run, saying what limits it.
 */

const SHOWN_IN_COLUMNS = new Set(['value', 'ratio', 'p50', 'p95', 'p99']);

export interface SummaryContext {
  generatedAt: string;
  machine: BenchResult['machine'];
  pinning?: PinningReport;
  totalSeconds: number;
}

export function renderSummary(results: readonly BenchResult[], context: SummaryContext): string {
  const lines = [
    `## agentfleet benchmarks (${context.generatedAt})`,
    '',
    machineLine(context),
    '',
    '| Benchmark | Result | Ceiling | Ratio | p50 / p95 / p99 (ms) | Goal | Met |',
    '|---|---|---|---|---|---|---|',
    ...results.map(renderRow),
  ];
  const notes = results.flatMap(renderNotes);
  if (notes.length > 0) lines.push('', '### What limits the goals missed', '', ...notes);
  const met = results.filter((result) => result.met).length;
  lines.push('', `${met} of ${results.length} goals met in ${formatNumber(Math.round(context.totalSeconds))} s.`);
  return `${lines.join('\n')}\n`;
}

function machineLine({ machine, pinning }: SummaryContext): string {
  const where = pinning
    ? pinning.pinned
      ? `pinned: ${Object.entries(pinning.processes).map(([role, cpus]) => `${role} on CPU ${cpus}`).join(', ')}`
      : `not pinned (${pinning.reason ?? 'no reason given'})`
    : 'pinning not recorded';
  const redis = machine.redis ? `, redis ${machine.redis}` : '';
  return `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}${redis}, load average ${machine.loadAverage} at the start; ${where}.`;
}

function renderRow(result: BenchResult): string {
  const cells = [
    result.title,
    resultCell(result),
    result.ceiling === undefined ? '' : `${formatNumber(result.ceiling)} ${result.ceilingName ? `(${result.ceilingName})` : ''}`.trim(),
    result.ratio === undefined ? '' : formatNumber(result.ratio),
    result.p50 === undefined ? '' : [result.p50, result.p95, result.p99].map((v) => (v === undefined ? '–' : formatNumber(v))).join(' / '),
    result.goal,
    metCell(result),
  ];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function resultCell(result: BenchResult): string {
  if (result.error !== undefined || result.value === undefined) return 'not run';
  const extras = result.goals
    .filter((check) => !SHOWN_IN_COLUMNS.has(check.figure) && check.actual !== undefined)
    .map((check) => `${check.label ?? check.figure} ${formatNumber(check.actual as number)}${check.unit ? ` ${check.unit}` : ''}`);
  return [`${formatNumber(result.value)} ${result.unit}`, ...extras].join('; ');
}

/** Above this share of the measured process's CPU taken by others, absolute figures are not to be trusted. */
const SHARED_CPU_WARNING = 0.2;

function metCell(result: BenchResult): string {
  if (result.error !== undefined) return 'not run';
  const shared = result.figures.otherOnServerCpu;
  const warning = shared !== undefined && shared >= SHARED_CPU_WARNING ? ` ⚠ CPU ${Math.round(shared * 100)} % taken by other processes` : '';
  if (result.met) return `yes${warning}`;
  const missed = result.goals.filter((check) => !check.met).map((check) => check.label ?? check.figure);
  return `**no** (${missed.join(', ')})${warning}`;
}

function renderNotes(result: BenchResult): string[] {
  if (result.error !== undefined) return [`- **${result.title}** did not run: ${result.error}`];
  if (result.met) return [];
  const missed = result.goals
    .filter((check) => !check.met)
    .map((check) => `${check.text} (measured ${check.actual === undefined ? 'nothing' : formatNumber(check.actual)})`);
  const lines = [`- **${result.title}** missed ${missed.join('; ')}.`];
  for (const note of result.notes) lines.push(`  - ${note}`);
  if (result.profile) lines.push(`  - Where the time goes: ${result.profile}`);
  return lines;
}

/** A pipe inside a cell would split it. */
function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
