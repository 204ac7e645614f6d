import { summarize, type LatencySummary } from './stats.js';

/**
 * `concurrency` loops each running `operation` back to back for `durationMs`: the classic closed
 * loop (like HTTP connections with one request in flight each). Every operation's latency is kept.
 */
export interface ClosedLoopResult {
  operations: number;
  /** Items completed: an operation may carry several (one SendMessageBatch = 10 messages). */
  items: number;
  seconds: number;
  itemsPerSecond: number;
  latency?: LatencySummary;
  cpuCores: number;
}

export async function runClosedLoop(
  concurrency: number,
  durationMs: number,
  operation: () => Promise<unknown>,
  itemsPerOperation = 1,
): Promise<ClosedLoopResult> {
  const latencies: number[] = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + durationMs;
  const loop = async () => {
    while (performance.now() < deadline) {
      const begun = performance.now();
      await operation();
      latencies.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const items = latencies.length * itemsPerOperation;
  return {
    operations: latencies.length,
    items,
    seconds,
    itemsPerSecond: items / seconds,
    ...(latencies.length > 0 ? { latency: summarize(latencies) } : {}),
    cpuCores: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}
