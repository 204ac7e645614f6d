import type { Redis } from 'ioredis';

/**
 * Where live workers announce themselves, so the API's /v1/fleet and the scaler can see slots in use
 * without asking every worker. Each worker rewrites its entry every few seconds; an entry not
 * refreshed within `staleAfterMs` belongs to a dead worker and is ignored (and pruned).
 */

export interface WorkerStatus {
  id: string;
  /** Which pool the worker belongs to: `local`, `spot`, `on-demand`, `burst-spot`, `burst-ondemand`. */
  pool: string;
  slots: number;
  busy: number;
  draining: boolean;
  breaker: 'closed' | 'open' | 'half-open';
  /** Per-agent breakers this worker keeps (agents with a counted outcome); left out when there are none. */
  agentBreakers?: Record<string, 'closed' | 'open' | 'half-open'>;
  startedAt: string;
  /** EC2 instance the worker runs on, when it knows it (IMDS): the scaler protects busy instances from scale-in. */
  instanceId?: string;
  /** ms since epoch of the last report. */
  seenAt: number;
}

const KEY = 'af:workers';

export class WorkerRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly staleAfterMs = 15_000,
  ) {}

  async report(status: Omit<WorkerStatus, 'seenAt'>, now = Date.now()): Promise<void> {
    await this.redis.hset(KEY, status.id, JSON.stringify({ ...status, seenAt: now }));
  }

  async remove(id: string): Promise<void> {
    await this.redis.hdel(KEY, id);
  }

  /** Live workers only; entries of workers that stopped reporting are deleted on the way. */
  async list(now = Date.now()): Promise<WorkerStatus[]> {
    const entries = await this.redis.hgetall(KEY);
    const live: WorkerStatus[] = [];
    const stale: string[] = [];
    for (const [id, json] of Object.entries(entries)) {
      const status = JSON.parse(json) as WorkerStatus;
      if (now - status.seenAt > this.staleAfterMs) stale.push(id);
      else live.push(status);
    }
    if (stale.length > 0) await this.redis.hdel(KEY, ...stale);
    return live;
  }
}

export interface PoolSummary {
  name: string;
  running: number;
  busySlots: number;
  totalSlots: number;
}

/** Workers grouped by pool, as /v1/fleet reports them. */
export function summarizePools(workers: readonly WorkerStatus[]): PoolSummary[] {
  const pools = new Map<string, PoolSummary>();
  for (const worker of workers) {
    const pool = pools.get(worker.pool) ?? { name: worker.pool, running: 0, busySlots: 0, totalSlots: 0 };
    pool.running += 1;
    pool.busySlots += worker.busy;
    pool.totalSlots += worker.slots;
    pools.set(worker.pool, pool);
  }
  return [...pools.values()].sort((a, b) => a.name.localeCompare(b.name));
}
