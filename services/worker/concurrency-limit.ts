/**
 * At most `limit` operations in flight; the rest wait their turn in order. The worker runs its run-store
 * transitions through one of these: when thousands of attempts start or finish at the same moment,
 * only a bounded number of replies can arrive together, so no single turn of the event loop has to
 * process thousands of them (which would delay heartbeats, cancels and receives by hundreds of ms).
 */
export class ConcurrencyLimit {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit: must be a positive integer, got ${limit}`);
  }

  async run<T>(operation: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) this.active += 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await operation();
    } finally {
      // Hand the place straight to the next in line, so `active` never drops below what is running.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
