import type { Redis } from 'ioredis';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS } from '../../services/core/agents/catalog.js';
import { loadConfig } from '../../services/core/config.js';
import { createLogger } from '../../services/core/logger.js';
import { createQueueDriver, type QueueDriver } from '../../services/core/queue/index.js';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import type { Run, RunSpec } from '../../services/core/run/model.js';
import { createRedis } from '../../services/core/redis.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';

/**
 * Puts runs into the system the way the API does (run record in the store, then its message on the
 * queue) without the HTTP hop, from the load generator's process: for the worker benchmarks.
 */

export const BENCH_TENANT = 'bench';
const ENQUEUE_BATCH = 500;

export function runSpec(agent: string, input: unknown): RunSpec {
  return { agent, input, timeoutSeconds: DEFAULT_TIMEOUT_SECONDS, maxAttempts: DEFAULT_MAX_ATTEMPTS, priority: 0, metadata: { source: 'bench' } };
}

export class RunSeeder {
  readonly store: RedisRunStore;
  readonly queue: QueueDriver;
  private readonly redis: Redis;

  constructor(redisUrl: string, queueName: string) {
    const logger = createLogger('bench-seeder', 'warn');
    this.redis = createRedis(redisUrl, { name: 'bench-seeder', failFast: false, autoPipelining: true, logger });
    this.store = new RedisRunStore(this.redis, { retentionSeconds: 3600, leaseSeconds: 30, logger });
    this.queue = createQueueDriver(loadConfig({ REDIS_URL: redisUrl, QUEUE_NAME: queueName, QUEUE_DRIVER: 'bullmq' }), { logger });
  }

  /** Creates `count` run records, `concurrency` at a time. */
  async createRuns(count: number, spec: RunSpec, concurrency = 256): Promise<Run[]> {
    const runs: Run[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
          next += 1;
          runs.push((await this.store.create(BENCH_TENANT, spec)).run);
        }
      }),
    );
    return runs;
  }

  /**
   * Queues the runs' messages in batches, one batch at a time: the driver's producer fails fast
   * (2 s command timeout, as the API wants), so one huge batch could time out on a busy machine.
   * Each sent run leaves the store's outbox, as the API's submissions do, so Redis holds what it
   * would in production.
   */
  async enqueue(runs: readonly Run[]): Promise<void> {
    for (let start = 0; start < runs.length; start += ENQUEUE_BATCH) {
      const batch = runs.slice(start, start + ENQUEUE_BATCH);
      await this.queue.sendBatch(batch.map((run) => encodeRunMessage(messageForRun(run))));
      await Promise.all(batch.map((run) => this.store.markSent(run.id)));
    }
  }

  /** Messages not yet acked: waiting, held by a worker, or delayed. */
  async outstanding(): Promise<number> {
    const depth = await this.queue.depth();
    return depth.visible + depth.inFlight + depth.delayed;
  }

  async close(): Promise<void> {
    await this.queue.close();
    await this.store.close();
    this.redis.disconnect();
  }
}
