import type { Run } from './fleet.js';

/**
 * The queue in the simulation: first in, first out. A run handed back after a Spot notice joins the
 * back, as an SQS message made visible again has no place of its own.
 */
export class RunQueue {
  private items: Run[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(run: Run): void {
    this.items.push(run);
  }

  shift(): Run | undefined {
    if (this.head >= this.items.length) return undefined;
    const run = this.items[this.head++];
    if (this.head > 65_536 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return run;
  }

  peek(): Run | undefined {
    return this.items[this.head];
  }

  *[Symbol.iterator](): IterableIterator<Run> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as Run;
  }
}
