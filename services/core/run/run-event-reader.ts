import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { withRedis } from '../redis.js';
import { InvalidCursorError } from './errors.js';
import type { RunKeys } from './redis-keys.js';
import type { RunEvent, RunEventType } from './store.js';

/**
 * Reads a run's event stream for the SSE route. A blocking read holds its connection until an event
 * arrives or the wait ends, so it borrows a connection of its own from a small pool instead of
 * stalling every other command on the shared one.
 */

const STREAM_ID = /^\d+(-\d+)?$/;
const MAX_IDLE_CONNECTIONS = 8;
const DEFAULT_COUNT = 100;

type StreamEntry = [id: string, fields: string[]];

export class RunEventReader {
  private readonly idle: Redis[] = [];
  private closed = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: RunKeys,
    private readonly logger?: Logger,
  ) {}

  /** Events after `after` (exclusive; from the start when absent), oldest first. */
  async read(runId: string, options: { after?: string; count?: number; blockMs?: number }): Promise<RunEvent[]> {
    const after = options.after ?? '0-0';
    if (!STREAM_ID.test(after)) throw new InvalidCursorError('not an event id returned by a previous read', 'after');
    const count = options.count ?? DEFAULT_COUNT;
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`count: must be a positive integer, got ${count}`);
    const key = this.keys.events(runId);
    if (!options.blockMs || options.blockMs <= 0) {
      const entries = (await withRedis(() => this.redis.xrange(key, `(${after}`, '+', 'COUNT', count))) as StreamEntry[];
      return entries.map(toEvent);
    }
    const connection = this.borrow();
    try {
      const reply = (await withRedis(() => connection.xread('COUNT', count, 'BLOCK', options.blockMs as number, 'STREAMS', key, after))) as
        | [string, StreamEntry[]][]
        | null;
      return (reply?.[0]?.[1] ?? []).map(toEvent);
    } finally {
      this.giveBack(connection);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const connections = this.idle.splice(0);
    await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
  }

  private borrow(): Redis {
    const connection = this.idle.pop();
    if (connection) return connection;
    // A blocking read may outlast the shared client's command timeout (its own BLOCK bounds it), and
    // the first read must wait for the new connection to come up rather than fail at once.
    const fresh = this.redis.duplicate({ commandTimeout: undefined, enableOfflineQueue: true });
    fresh.on('error', (error: Error) => this.logger?.debug({ err: error }, 'event reader connection error'));
    return fresh;
  }

  private giveBack(connection: Redis): void {
    if (!this.closed && connection.status === 'ready' && this.idle.length < MAX_IDLE_CONNECTIONS) {
      this.idle.push(connection);
    } else {
      connection.quit().catch(() => connection.disconnect());
    }
  }
}

function toEvent([id, fields]: StreamEntry): RunEvent {
  let type: RunEventType = 'log';
  let data: unknown = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'type') type = fields[i + 1] as RunEventType;
    else if (fields[i] === 'data') data = JSON.parse(fields[i + 1] as string);
  }
  return { id, type, data };
}
