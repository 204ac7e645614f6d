import type { Redis } from 'ioredis';

/**
 * How an idle BullMQ receiver sleeps without polling: BZPOPMIN on the queue's marker key, which
 * BullMQ's scripts fill whenever a job becomes ready (and with the next due time when a job is
 * delayed). A blocking command ties up its connection, so each concurrent waiter borrows its own
 * connection from a small pool; a wait that ends other than by the server's answer (abort, watchdog,
 * close) destroys its connection, since the command may still be pending on it.
 */

/** Beyond the command's own timeout: how long to trust a silent connection before dropping it. */
const WATCHDOG_GRACE_MS = 2_000;

export class MarkerWait {
  private readonly idle: Redis[] = [];
  private readonly inUse = new Set<Redis>();
  private closed = false;

  constructor(
    private readonly markerKey: string,
    private readonly connect: () => Redis,
  ) {}

  /**
   * Returns when a marker arrives, `timeoutMs` passes or `signal` aborts, whichever is first.
   * `false` means the wait failed (connection trouble); the caller should not retry at once.
   */
  async wait(timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.closed || signal?.aborted || timeoutMs <= 0) return true;
    const connection = this.idle.pop() ?? this.connect();
    this.inUse.add(connection);
    const outcome = await this.block(connection, timeoutMs, signal);
    this.inUse.delete(connection);
    if (outcome === 'answered' && !this.closed) this.idle.push(connection);
    else connection.disconnect();
    return outcome !== 'failed';
  }

  close(): void {
    this.closed = true;
    for (const connection of [...this.idle, ...this.inUse]) connection.disconnect();
    this.idle.length = 0;
    this.inUse.clear();
  }

  private block(connection: Redis, timeoutMs: number, signal?: AbortSignal): Promise<'answered' | 'interrupted' | 'failed'> {
    return new Promise((resolve) => {
      const finish = (outcome: 'answered' | 'interrupted' | 'failed') => {
        clearTimeout(watchdog);
        signal?.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => finish('interrupted');
      const watchdog = setTimeout(() => finish('failed'), timeoutMs + WATCHDOG_GRACE_MS);
      signal?.addEventListener('abort', onAbort, { once: true });
      // Redis ≥ 6 accepts fractional timeouts; 1 ms is the smallest that still blocks.
      connection.bzpopmin(this.markerKey, Math.max(timeoutMs, 1) / 1000).then(
        () => finish('answered'),
        () => finish(this.closed || signal?.aborted ? 'interrupted' : 'failed'),
      );
    });
  }
}
