import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '../core/logger.js';
import { TooManyRequestsError } from './errors.js';

/** The numbers, from the environment's config (environments/config.ts `api.limits`). */
export interface ApiLimitSettings {
  /** Requests per tenant per window, counted across every API process. */
  tenantRequests: { limit: number; windowSeconds: number };
  /** Runs a tenant may have waiting to start (status `queued`) at once. */
  queuedRunsPerTenant: number;
  /** Requests with a key that does not verify, per client address per window, before the address is refused for the rest of it. */
  failedAuths: { limit: number; windowSeconds: number };
}

/** Header values for a policy (IETF draft-ietf-httpapi-ratelimit-headers: `RateLimit-Policy`, `RateLimit`). */
export interface RateLimitHeaders {
  'RateLimit-Policy': string;
  RateLimit: string;
}

/** Most addresses whose block this process remembers; past it the oldest is forgotten (Redis still counts). */
const MAX_BLOCKED_ADDRESSES = 10_000;

/**
 * Limits per tenant and per client address, shared by all API processes through Redis
 * (rate-limiter-flexible, fixed windows). Queued runs are counted from the run store's per-tenant
 * status index, which is exact and heals itself, where a counter kept beside it could drift.
 *
 * Redis failing while a limit is checked: the limiters fall back to an in-memory limiter with the
 * same numbers in each process (rate-limiter-flexible's insurance limiter) rather than answering
 * 503. Limits protect capacity, not correctness: during an outage every route that needs Redis
 * already answers 503 by itself, and one that does not (a cached key reading /v1/agents) has no
 * reason to fail because a counter could not be read; it stays limited, per process.
 */
export class TenantLimits {
  private readonly requests: RateLimiterRedis;
  private readonly failedAuths: RateLimiterRedis;
  /** Addresses over their failed-auth limit, until when (ms): refused without asking Redis. */
  private readonly blocked = new Map<string, number>();
  readonly requestPolicy: string;
  private readonly failedAuthPolicy: string;

  constructor(
    redis: Redis,
    private readonly settings: ApiLimitSettings,
    private readonly countQueuedRuns: (tenant: string) => Promise<number>,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {
    const { tenantRequests, failedAuths } = settings;
    this.requests = limiter(redis, 'af:limit:tenant', tenantRequests.limit, tenantRequests.windowSeconds);
    this.failedAuths = limiter(redis, 'af:limit:failed-auth', failedAuths.limit, failedAuths.windowSeconds);
    this.requestPolicy = `"tenant";q=${tenantRequests.limit};w=${tenantRequests.windowSeconds}`;
    this.failedAuthPolicy = `"failed-auth";q=${failedAuths.limit};w=${failedAuths.windowSeconds}`;
  }

  /** Counts one request of `tenant`; the headers to send, or a TooManyRequestsError when over. */
  async admitRequest(tenant: string): Promise<RateLimitHeaders> {
    try {
      const result = await this.requests.consume(tenant);
      return this.headers(this.requestPolicy, 'tenant', result);
    } catch (rejection) {
      throw this.refusal(rejection, this.requestPolicy, 'tenant', `tenant "${tenant}" is over ${this.settings.tenantRequests.limit} requests per ${this.settings.tenantRequests.windowSeconds} s`);
    }
  }

  /** Refuses `adding` more queued runs when the tenant already has its cap waiting. */
  async admitQueuedRuns(tenant: string, adding = 1): Promise<void> {
    const cap = this.settings.queuedRunsPerTenant;
    const queued = await this.countQueuedRuns(tenant);
    if (queued + adding <= cap) return;
    throw new TooManyRequestsError(`tenant "${tenant}" has ${queued} runs waiting to start; at most ${cap} may wait at once`, {
      retryAfterSeconds: 1,
      headers: { 'RateLimit-Policy': `"queued-runs";q=${cap}`, RateLimit: `"queued-runs";r=${Math.max(0, cap - queued)}` },
      limit: 'queued-runs',
    });
  }

  /** Throws when `address` is over its failed-auth limit: its keys are not even checked until the window ends. */
  refuseBlockedAddress(address: string): void {
    const until = this.blocked.get(address);
    if (until === undefined) return;
    const remainingMs = until - this.now();
    if (remainingMs <= 0) {
      this.blocked.delete(address);
      return;
    }
    throw this.failedAuthRefusal(address, remainingMs);
  }

  /** Counts a key from `address` that did not verify; throws (429) once the address is over its limit. */
  async recordFailedAuth(address: string): Promise<void> {
    try {
      await this.failedAuths.consume(address);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      if (this.blocked.size >= MAX_BLOCKED_ADDRESSES) this.blocked.delete(this.blocked.keys().next().value as string);
      this.blocked.set(address, this.now() + rejection.msBeforeNext);
      this.logger.warn({ address, failures: rejection.consumedPoints }, 'too many requests with invalid API keys from one address: refusing it for the rest of the window');
      throw this.failedAuthRefusal(address, rejection.msBeforeNext);
    }
  }

  private failedAuthRefusal(address: string, remainingMs: number): TooManyRequestsError {
    const seconds = Math.max(1, Math.ceil(remainingMs / 1000));
    return new TooManyRequestsError(`too many requests with an invalid API key from ${address}; wait ${seconds} s`, {
      retryAfterSeconds: seconds,
      headers: { 'RateLimit-Policy': this.failedAuthPolicy, RateLimit: `"failed-auth";r=0;t=${seconds}` },
      limit: 'failed-auth',
    });
  }

  private headers(policy: string, name: string, result: RateLimiterRes): RateLimitHeaders {
    return { 'RateLimit-Policy': policy, RateLimit: `"${name}";r=${result.remainingPoints};t=${Math.ceil(result.msBeforeNext / 1000)}` };
  }

  private refusal(rejection: unknown, policy: string, name: string, detail: string): unknown {
    if (!(rejection instanceof RateLimiterRes)) return rejection;
    const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
    return new TooManyRequestsError(`${detail}; retry in ${seconds} s`, {
      retryAfterSeconds: seconds,
      headers: { ...this.headers(policy, name, rejection) },
      limit: name,
    });
  }
}

function limiter(redis: Redis, keyPrefix: string, points: number, duration: number): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ keyPrefix, points, duration }),
  });
}
