import { Redis, type RedisOptions } from 'ioredis';
import { DependencyUnavailableError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * The one place Redis connections are made. Two behaviours, chosen by the caller:
 * - `failFast` (the API): while Redis is unreachable every command fails at once, so a request can be
 *   answered 503 instead of hanging or 500ing; the client keeps reconnecting in the background.
 * - patient (workers): commands wait in the offline queue until Redis is back, so a finished run's
 *   result is written late rather than lost.
 * Connection errors are logged once per outage (not once per reconnect attempt) and never unhandled.
 */

export interface RedisConnectionOptions {
  /** Shown in CLIENT LIST and in logs: `api`, `worker`, `scaler`, ... */
  name: string;
  failFast: boolean;
  logger: Logger;
  /** Batches commands issued in the same tick into one write (high-rate callers such as the API). */
  autoPipelining?: boolean;
  /** @defaultValue 2000 */
  connectTimeoutMs?: number;
  /** A command that gets no answer in time fails. @defaultValue 2000 when failFast, otherwise none */
  commandTimeoutMs?: number;
}

const MAX_RECONNECT_DELAY_MS = 2_000;

export function createRedis(url: string, options: RedisConnectionOptions): Redis {
  const base: RedisOptions = {
    connectionName: `agentfleet-${options.name}`,
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    enableAutoPipelining: options.autoPipelining ?? false,
    // Reconnect forever, quickly at first, never slower than every 2 s (with jitter, so a fleet of
    // workers does not reconnect in lockstep after a failover).
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), MAX_RECONNECT_DELAY_MS) * (0.5 + Math.random() / 2),
  };
  const behaviour: RedisOptions = options.failFast
    ? {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: options.commandTimeoutMs ?? 2_000,
      }
    : {
        enableOfflineQueue: true,
        maxRetriesPerRequest: null,
        ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
      };
  const redis = new Redis(url, { ...base, ...behaviour });
  logOutages(redis, options.logger.child({ redis: options.name }));
  return redis;
}

function logOutages(redis: Redis, logger: Logger): void {
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error }, 'redis unreachable; reconnecting in the background');
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis reachable again');
  });
}

/** Resolves true once the client is connected, false if that takes longer than `timeoutMs`. */
export async function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    redis.on('ready', onReady);
  });
}

/**
 * Server replies that mean "not now" (loading, failover, script timeout, writes refused because the
 * server cannot persist: MISCONF, or because it is full: OOM) rather than a bug.
 */
const UNAVAILABLE_REPLIES = /^(LOADING|MASTERDOWN|READONLY|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|MISCONF|OOM)\b/;

/**
 * True when `error` means Redis could not be reached or could not serve the command right now.
 * Error replies to a well-formed command (WRONGTYPE, a script's own error) are bugs, not outages.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return UNAVAILABLE_REPLIES.test(error.message);
  return (
    error.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|connect ETIMEDOUT/.test(
      error.message,
    )
  );
}

/** Runs a Redis operation, turning an outage into `DependencyUnavailableError` and rethrowing anything else. */
export async function withRedis<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (isRedisUnavailable(error)) {
      throw new DependencyUnavailableError('redis', `redis unavailable: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
}
