/** Waiting for conditions with generous deadlines: the machine may be loaded, so never fixed short sleeps. */

export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}

/** Polls `condition` until it holds; a throwing check counts as "not yet". */
export async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs: number, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve().then(condition).catch(() => false)) return;
    if (Date.now() > deadline) throw new DeadlineError(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(pollMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Seconds since `since` (a performance.now() reading). */
export function secondsSince(since: number): number {
  return (performance.now() - since) / 1000;
}
