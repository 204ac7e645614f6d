import { POOL_NAMES, type EnvironmentConfig } from '../../environments/index.js';

/**
 * The floors `agentfleet scaler prewarm` writes: `min` on one pool, or the floor and pools of a named
 * pre-warm schedule of the environment, so a scheduled job needs no capacity numbers of its own.
 */

export const PREWARM_POOLS = [...POOL_NAMES, 'local'] as const;
export type PrewarmPool = (typeof PREWARM_POOLS)[number];

export interface PrewarmFloor {
  pool: PrewarmPool;
  min: number;
}

/** What the operator asked for: a schedule by name, or a floor on a pool (default `spot`). */
export type PrewarmRequest = { schedule: string } | { min: number; pool?: string };

/** A request the environment cannot satisfy; the message names the option (`--schedule`, `--pool`, `--min`) at fault. */
export class PrewarmRequestError extends Error {
  override readonly name = 'PrewarmRequestError';
}

export function prewarmFloors(env: EnvironmentConfig, request: PrewarmRequest): PrewarmFloor[] {
  if ('schedule' in request) {
    const schedule = env.scaling.prewarm.find((s) => s.name === request.schedule);
    if (!schedule) {
      const known = env.scaling.prewarm.map((s) => s.name);
      throw new PrewarmRequestError(`--schedule: ${env.name} has no pre-warm schedule "${request.schedule}" (${known.length > 0 ? `it has ${known.join(', ')}` : 'it has none'})`);
    }
    return schedule.pools.map((pool) => ({ pool, min: schedule.minInstances }));
  }
  const { min } = request;
  const pool = PREWARM_POOLS.find((name) => name === (request.pool ?? 'spot'));
  if (!pool) throw new PrewarmRequestError(`--pool: unknown pool "${request.pool}" (expected ${PREWARM_POOLS.join(', ')})`);
  if (pool !== 'local' && min > env.pools[pool].max) throw new PrewarmRequestError(`--min: ${min} exceeds pools.${pool}.max (${env.pools[pool].max}) of ${env.name}`);
  return [{ pool, min }];
}
