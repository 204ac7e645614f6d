/**
 * Receivers waiting for something to change (a slot freed, the event loop back on time); every wait
 * also ends when its own signal aborts, so a stopping worker never hangs on one.
 */
export class Waiters {
  private waiting: (() => void)[] = [];

  /** Resolves on the next `wakeAll`, or at once when `signal` is (or becomes) aborted. */
  next(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.waiting.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  wakeAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const done of waiting) done();
  }
}
