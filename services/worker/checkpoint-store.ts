import type { Redis } from 'ioredis';
import { withRedis } from '../core/redis.js';

/**
 * Where an agent's last checkpoint waits for the next attempt of its run (after a failure, a timeout
 * of the worker, or a Spot interruption). One small key per run beside the run store's keys, written
 * on each checkpoint and expiring with the run's retention, so a checkpoint outlives the attempt that
 * wrote it but never the run. Only the last checkpoint is kept.
 *
 *   <prefix>:checkpoint:<runId>   string   JSON of the agent's last checkpoint
 */

export interface CheckpointStore {
  /** Undefined when the run has no checkpoint. */
  load(runId: string): Promise<unknown>;
  save(runId: string, data: unknown): Promise<void>;
}

export class CheckpointTooLargeError extends Error {
  override readonly name = 'CheckpointTooLargeError';

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`checkpoint of ${size} bytes is over the ${limit}-byte limit and was not saved`);
  }
}

export interface RedisCheckpointStoreOptions {
  /** RUN_RETENTION_SECONDS: a checkpoint lives as long as a finished run. */
  retentionSeconds: number;
  /** @defaultValue 262144 (256 KiB) */
  maxBytes?: number;
  /** The run store's key prefix. @defaultValue 'af' */
  keyPrefix?: string;
}

export class RedisCheckpointStore implements CheckpointStore {
  private readonly maxBytes: number;
  private readonly prefix: string;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisCheckpointStoreOptions,
  ) {
    this.maxBytes = options.maxBytes ?? 256 * 1024;
    this.prefix = `${options.keyPrefix ?? 'af'}:checkpoint:`;
  }

  async load(runId: string): Promise<unknown> {
    const json = await withRedis(() => this.redis.get(this.prefix + runId));
    return json === null ? undefined : (JSON.parse(json) as unknown);
  }

  async save(runId: string, data: unknown): Promise<void> {
    const json = JSON.stringify(data ?? null);
    const size = Buffer.byteLength(json);
    if (size > this.maxBytes) throw new CheckpointTooLargeError(size, this.maxBytes);
    await withRedis(() => this.redis.set(this.prefix + runId, json, 'EX', this.options.retentionSeconds));
  }
}
