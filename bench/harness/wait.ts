import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `check` until it holds. `failIf` names a reason to stop waiting at once (the process being
 * waited on has exited), so a broken start fails in a second instead of at the timeout.
 */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  options: { timeoutMs: number; intervalMs?: number; failIf?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const failure = options.failIf?.();
    if (failure !== undefined) throw new Error(`gave up waiting for ${what}: ${failure}`);
    if (await Promise.resolve().then(check).catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}`);
    await sleep(options.intervalMs ?? 100);
  }
}
