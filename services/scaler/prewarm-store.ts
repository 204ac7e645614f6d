import type { Redis } from 'ioredis';
import type { ScalablePoolName, Floor } from './policy/types.js';

/**
 * Floors raised by `agentfleet scaler prewarm` (the GitHub Actions pre-warm job calls it before a
 * known peak): one per pool, in instances, each with its own expiry. Stored in Redis so the running
 * scaler (and each of its replicas) sees them on its next tick. Keyed by environment, so a floor
 * meant for prod never lifts a dev fleet that shares the Redis.
 */

interface StoredFloor {
  instances: number;
  until: number;
}

export class PrewarmStore {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    environment: string,
  ) {
    this.key = `af:scaler:prewarm:${environment}`;
  }

  /** Replaces the pool's floor; `until` is ms since epoch. */
  async raise(pool: ScalablePoolName, instances: number, until: number): Promise<void> {
    const value: StoredFloor = { instances, until };
    await this.redis.hset(this.key, pool, JSON.stringify(value));
  }

  /**
   * Floors that have not lapsed at `now`. A lapsed entry stays until the pool's next `raise` replaces
   * it (one entry per pool): deleting it here could race with a concurrent raise.
   */
  async active(now: number): Promise<Floor[]> {
    const entries = await this.redis.hgetall(this.key);
    const floors: Floor[] = [];
    for (const [pool, json] of Object.entries(entries)) {
      const stored = JSON.parse(json) as StoredFloor;
      if (stored.until > now) floors.push({ pool: pool as ScalablePoolName, instances: stored.instances, source: 'prewarm', until: stored.until });
    }
    return floors;
  }
}
