import type { ChaosResult } from './result.js';

/**
 * The markdown summary `make chaos` prints and writes to chaos/results/summary.md: one row per
 * scenario, then every check that did not hold, with what was seen.
 */

export interface SummaryContext {
  generatedAt: string;
  totalSeconds: number;
}

export function renderSummary(results: readonly ChaosResult[], context: SummaryContext): string {
  const machine = results[0]?.machine;
  const lines = [
    `## agentfleet chaos scenarios (${context.generatedAt})`,
    '',
    ...(machine ? [`Machine: ${machine.cpus} CPUs, node ${machine.node}${machine.redis ? `, redis ${machine.redis}` : ''}, load average ${machine.loadAverage} at the start.`, ''] : []),
    '| Scenario | Submitted | Terminal | Lost | Executed twice | Recovery (s) | Passed |',
    '|---|---|---|---|---|---|---|',
    ...results.map(renderRow),
  ];
  const failures = results.flatMap(renderFailures);
  if (failures.length > 0) lines.push('', '### What failed', '', ...failures);
  const recoveries = results.filter((result) => result.recoveryMeasures);
  if (recoveries.length > 0) {
    lines.push('', '### What "recovery" measures', '', ...recoveries.map((result) => `- **${result.scenario}**: ${escapeText(result.recoveryMeasures ?? '')}`));
  }
  const passed = results.filter((result) => result.passed).length;
  lines.push('', `${passed} of ${results.length} scenarios passed in ${Math.round(context.totalSeconds)} s.`);
  return `${lines.join('\n')}\n`;
}

function renderRow(result: ChaosResult): string {
  const ran = result.error === undefined;
  const cells = [
    result.scenario,
    ran ? String(result.submitted) : 'not run',
    ran ? String(result.terminal) : '',
    ran ? String(result.lost) : '',
    ran ? String(result.executedTwice) : '',
    result.recoverySeconds === null ? '–' : result.recoverySeconds.toFixed(1),
    result.passed ? 'yes' : '**no**',
  ];
  return `| ${cells.map(escapeCell).join(' | ')} |`;
}

function renderFailures(result: ChaosResult): string[] {
  const lines: string[] = [];
  if (result.lost > 0) lines.push(`- **${result.scenario}**: ${result.lost} run(s) lost (not terminal by the deadline or missing): ${(result.lostRuns ?? []).join(', ')}`);
  if (result.executedTwice > 0) {
    lines.push(`- **${result.scenario}**: ${result.executedTwice} run(s) executed twice: ${(result.executedTwiceRuns ?? []).join(', ')}`);
  }
  for (const failed of result.checks.filter((c) => !c.passed)) {
    lines.push(`- **${result.scenario}**: ${escapeText(failed.name)}${failed.detail ? ` — ${escapeText(failed.detail)}` : ''}`);
  }
  return lines;
}

function escapeCell(text: string): string {
  return escapeText(text).replaceAll('|', '\\|');
}

function escapeText(text: string): string {
  return text.replaceAll('\n', ' ');
}
