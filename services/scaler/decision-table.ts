import type { Decision } from './policy/types.js';

/** `scaler decide` / `scaler tick` for people: one line per pool (current → desired), then the reasons. */
export function formatDecision(decision: Decision, environment: string): string {
  const { queue } = decision;
  const lines = [
    `${environment} · policy ${decision.policy} · ${decision.at} · visible ${queue.visible}, in flight ${queue.inFlight}`,
    decision.rule
      ? `rule: visible > ${decision.rule.visibleAbove} → +${decision.rule.addInstances} instances${decision.rule.enableBurst ? ' and the Fargate burst' : ''}`
      : `target: ${decision.targetSlots} slots`,
    '',
  ];
  const rows = decision.pools.map((pool) => {
    const [from, to, unit] =
      pool.currentInstances === undefined
        ? [pool.current, pool.desired, pool.unit]
        : [pool.currentInstances, pool.desiredInstances, 'instances'];
    return [pool.name, `${from} → ${to} ${unit}`, `${pool.currentSlots} → ${pool.desiredSlots} slots`, pool.desired === pool.current ? '' : 'change'];
  });
  const header = ['pool', 'size', 'slots', ''];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => String(row[i]).length)));
  const render = (cells: readonly unknown[]) => cells.map((cell, i) => String(cell).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  lines.push(render(header), ...rows.map(render), '', 'reasons');
  for (const pool of decision.pools) {
    pool.reasons.forEach((reason, i) => lines.push(`  ${(i === 0 ? pool.name : '').padEnd(widths[0] ?? 0)}  ${reason.code.padEnd(18)} ${reason.message}`));
  }
  return `${lines.join('\n')}\n`;
}
