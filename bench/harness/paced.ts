import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Open-loop load: calls `send(i)` at `ratePerSecond` for `durationMs` whether or not earlier calls
 * have finished (arrivals do not wait for the system, as real clients do not), then waits for all.
 */
export interface PacedResult {
  sent: number;
  failed: number;
  /** The rate achieved: below the target means the sender itself could not keep up. */
  ratePerSecond: number;
  firstError?: string;
}

export async function runPaced(ratePerSecond: number, durationMs: number, send: (index: number) => Promise<void>): Promise<PacedResult> {
  const inFlight = new Set<Promise<void>>();
  let sent = 0;
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed / 1000) * ratePerSecond);
    while (sent < due) {
      const call = send(sent).catch((error: unknown) => {
        failed += 1;
        firstError ??= error instanceof Error ? error.message : String(error);
      });
      sent += 1;
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call));
    }
    await sleep(1);
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(inFlight);
  return { sent, failed, ratePerSecond: sent / seconds, ...(firstError ? { firstError } : {}) };
}
