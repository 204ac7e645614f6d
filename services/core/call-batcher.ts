/**
 * Gathers calls made in the same turn of the event loop into batches, each sent as one call (the run
 * store sends each batch of transitions as one script, the SQS driver each batch of sends as one
 * SendMessageBatch). A batch goes out when the turn ends, or at once when it is full: a lone call
 * waits for nothing, while the hundreds of calls a busy process issues together cost a few round
 * trips instead of hundreds. Full batches also bound how long one call holds its server and how many
 * replies one turn of the event loop has to process.
 */

/** A bound on a batch's total weight (e.g. bytes), besides its count. */
export interface BatchWeightLimit<Item> {
  weigh(item: Item): number;
  /** An item that would take the batch past this starts the next one (an item heavier alone goes alone). */
  maxWeight: number;
}

export class CallBatcher<Item, Result> {
  private waiting: Waiting<Item, Result>[] = [];
  private waitingWeight = 0;
  private flushScheduled = false;

  constructor(
    /** Answers every item, in order; a rejection fails every call of the batch. */
    private readonly sendBatch: (items: Item[]) => Promise<Result[]>,
    readonly maxBatch: number,
    private readonly weightLimit?: BatchWeightLimit<Item>,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch: must be a positive integer, got ${maxBatch}`);
  }

  call(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      if (this.weightLimit) {
        const weight = this.weightLimit.weigh(item);
        if (this.waiting.length > 0 && this.waitingWeight + weight > this.weightLimit.maxWeight) this.flush();
        this.waitingWeight += weight;
      }
      this.waiting.push({ item, resolve, reject });
      if (this.waiting.length >= this.maxBatch) this.flush();
      else this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.waitingWeight = 0;
    if (batch.length === 0) return;
    let sent: Promise<Result[]>;
    try {
      sent = this.sendBatch(batch.map((waiting) => waiting.item));
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (results) => {
        if (!Array.isArray(results) || results.length !== batch.length) {
          const error = new Error(`batched call answered ${Array.isArray(results) ? results.length : 'no list'} of ${batch.length} items`);
          for (const waiting of batch) waiting.reject(error);
          return;
        }
        batch.forEach((waiting, index) => waiting.resolve(results[index] as Result));
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
  }
}

interface Waiting<Item, Result> {
  item: Item;
  resolve(result: Result): void;
  reject(error: unknown): void;
}
