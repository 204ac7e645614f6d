import { setTimeout as sleep } from 'node:timers/promises';

/** Work a driver started but nobody awaits (abandoned polls, hand-backs), so `close` can let it finish. */
export class PendingWork {
  private readonly running = new Set<Promise<unknown>>();

  track<T>(work: Promise<T>): Promise<T> {
    const settled: Promise<unknown> = work.then(
      () => this.running.delete(settled),
      () => this.running.delete(settled),
    );
    this.running.add(settled);
    return work;
  }

  /**
   * Resolves once everything tracked, including work started meanwhile, has settled, or after
   * `timeoutMs` (a backend that stopped answering must not keep a process from exiting).
   */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = sleep(timeoutMs, undefined, { ref: false });
    while (this.running.size > 0) {
      const timedOut = await Promise.race([Promise.allSettled([...this.running]).then(() => false), deadline.then(() => true)]);
      if (timedOut) return;
    }
  }
}
