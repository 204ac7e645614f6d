import { Waiters } from './waiters.js';

/**
 * The worker's N slots. A receiver takes slots before it asks the queue for messages and gives back
 * those it did not fill, so the worker never holds more messages than it can run; each delivery
 * keeps its slot until it is acked, released or dead-lettered.
 */
export class Slots {
  private taken = 0;
  private readonly waiters = new Waiters();

  constructor(readonly total: number) {
    if (!Number.isInteger(total) || total < 1) throw new RangeError(`slots: must be a positive integer, got ${total}`);
  }

  get free(): number {
    return this.total - this.taken;
  }

  /** Takes up to `wanted` free slots and returns how many it took (possibly 0). */
  take(wanted: number): number {
    const count = Math.max(0, Math.min(wanted, this.free));
    this.taken += count;
    return count;
  }

  give(count = 1): void {
    if (count <= 0) return;
    this.taken -= count;
    if (this.taken < 0) throw new Error(`slots: gave back more than were taken (${this.taken})`);
    this.wake();
  }

  /** Resolves on the next change that may let a waiting receiver proceed (a slot freed, or `wake()`). */
  changed(signal: AbortSignal): Promise<void> {
    return this.waiters.next(signal);
  }

  /** Wakes every waiter: the conditions for pulling (breaker, draining) may have changed. */
  wake(): void {
    this.waiters.wakeAll();
  }
}
