import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Throughput of a consumer emptying a pre-filled queue: the rate over a window that starts
 * `warmupSeconds` after the first message is done (connections open, code optimised) and ends
 * after `windowSeconds`, or earlier when the queue runs low (a nearly empty queue no longer keeps
 * every slot busy).
 */
export interface DrainOptions {
  total: number;
  /** Messages not yet done. */
  remaining: () => Promise<number>;
  warmupSeconds: number;
  windowSeconds: number;
  /** Give up when nothing has been done after this long. */
  startTimeoutMs: number;
  /** Share of `total` left at which the window closes early. @defaultValue 0.05 */
  tailShare?: number;
  pollMs?: number;
}

export interface DrainResult {
  ratePerSecond: number;
  windowSeconds: number;
  doneInWindow: number;
}

export class QueueTooShortError extends Error {
  override readonly name = 'QueueTooShortError';
}

export async function measureDrain(options: DrainOptions): Promise<DrainResult> {
  const pollMs = options.pollMs ?? 100;
  const tail = options.total * (options.tailShare ?? 0.05);
  const begun = performance.now();
  let firstDoneAt: number | undefined;
  let windowStart: { at: number; done: number } | undefined;
  for (;;) {
    const now = performance.now();
    const done = options.total - (await options.remaining());
    if (firstDoneAt === undefined) {
      if (done > 0) firstDoneAt = now;
      else if (now - begun > options.startTimeoutMs) throw new Error(`nothing was consumed within ${options.startTimeoutMs / 1000} s`);
    } else if (windowStart === undefined) {
      if (options.total - done <= tail) {
        throw new QueueTooShortError(`the queue of ${options.total} ran low during the ${options.warmupSeconds} s warm-up: seed more`);
      }
      if (now - firstDoneAt >= options.warmupSeconds * 1000) windowStart = { at: now, done };
    } else if (now - windowStart.at >= options.windowSeconds * 1000 || options.total - done <= tail) {
      const seconds = (now - windowStart.at) / 1000;
      return { ratePerSecond: (done - windowStart.done) / seconds, windowSeconds: seconds, doneInWindow: done - windowStart.done };
    }
    await sleep(pollMs);
  }
}
