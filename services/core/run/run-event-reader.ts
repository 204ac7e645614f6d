import { setTimeout as sleep } from 'node:timers/promises';
import { withRedis } from '../redis.js';
import { InvalidCursorError } from './errors.js';
import { readEvents } from './lua/read-events.js';
import type { RunScripts } from './lua/scripts.js';
import type { RunKeys } from './redis-keys.js';
import type { RunEvent } from './store.js';

/**
 * Reads a run's events for the SSE route. A waiting read (`blockMs`) polls: Redis lists have no
 * non-destructive blocking read, and a poll every few hundred ms per open SSE connection costs Redis
 * far less than a dedicated connection per client would.
 */

const SEQUENCE = /^\d{1,15}$/;
const DEFAULT_COUNT = 100;

export interface ReadEventsOptions {
  /** Events numbered above this; from the oldest kept when absent. */
  after?: string;
  /** @defaultValue 100 */
  count?: number;
  /** Wait up to this long for an event when there is none yet. */
  blockMs?: number;
}

export class RunEventReader {
  private readonly waits = new Set<AbortController>();

  constructor(
    private readonly scripts: RunScripts,
    private readonly keys: RunKeys,
    private readonly pollMs: number,
  ) {}

  async read(runId: string, options: ReadEventsOptions): Promise<RunEvent[]> {
    const after = options.after ?? '0';
    if (!SEQUENCE.test(after)) throw new InvalidCursorError('not an event id returned by a previous read', 'after');
    const count = options.count ?? DEFAULT_COUNT;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count: must be a positive integer, got ${count}`);
    const deadline = Date.now() + Math.max(0, options.blockMs ?? 0);
    const wait = new AbortController();
    this.waits.add(wait);
    try {
      for (;;) {
        const events = await withRedis(() => readEvents(this.scripts, this.keys, runId, after, count));
        const remaining = deadline - Date.now();
        if (events.length > 0 || remaining <= 0 || wait.signal.aborted) return events;
        await sleep(Math.min(this.pollMs, remaining), undefined, { signal: wait.signal }).catch(() => undefined);
      }
    } finally {
      this.waits.delete(wait);
    }
  }

  /** Ends every waiting read at once (each returns what it has: nothing). */
  close(): void {
    for (const wait of this.waits) wait.abort();
  }
}
