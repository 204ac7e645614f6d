import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { withRedis } from '../redis.js';

/**
 * The channel on which a cancel request reaches the worker running the run: transition-runs.lua
 * publishes the run's id when a running run is asked to cancel. One subscriber connection per
 * process (opened on the first listener), shared by its listeners.
 */
export class CancelChannel {
  private subscriber: Redis | undefined;
  private readonly listeners = new Set<(runId: string) => void>();

  /** `redis` stays the caller's; the subscriber is a duplicate of it that `close()` ends. */
  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
    private readonly logger: Logger | undefined,
  ) {}

  async listen(onCancel: (runId: string) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
      subscriber.on('error', (error: Error) => this.logger?.debug({ err: error }, 'run store subscriber connection error'));
      subscriber.on('message', (channel: string, runId: string) => {
        if (channel !== this.channel) return;
        for (const listener of this.listeners) listener(runId);
      });
      this.subscriber = subscriber;
      await withRedis(() => subscriber.subscribe(this.channel));
    }
    this.listeners.add(onCancel);
    return async () => {
      this.listeners.delete(onCancel);
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }
}
