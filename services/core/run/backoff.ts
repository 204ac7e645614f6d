/**
 * Retry backoff: exponential with full jitter (a uniformly random delay below an exponentially growing
 * ceiling), which spreads retries of runs that failed together instead of retrying them in waves.
 * See "Exponential Backoff And Jitter", AWS Architecture Blog.
 */

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay; each further retry doubles it. @defaultValue 2000 */
  baseMs: number;
  /** The ceiling never grows past this. At most 900 000 (SQS's longest message delay). @defaultValue 300000 */
  capMs: number;
}

/** SQS cannot delay a message longer than 15 minutes. */
export const MAX_QUEUE_DELAY_MS = 900_000;

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 2_000, capMs: 300_000 };

/** Validates a policy, naming the offending field. */
export function backoffPolicy(policy: Partial<BackoffPolicy> = {}): BackoffPolicy {
  const result = { ...DEFAULT_BACKOFF, ...policy };
  if (!Number.isFinite(result.baseMs) || result.baseMs <= 0) throw new RangeError(`baseMs: must be a positive number, got ${result.baseMs}`);
  if (!Number.isFinite(result.capMs) || result.capMs < result.baseMs || result.capMs > MAX_QUEUE_DELAY_MS) {
    throw new RangeError(`capMs: must be between baseMs (${result.baseMs}) and ${MAX_QUEUE_DELAY_MS}, got ${result.capMs}`);
  }
  return result;
}

/** The largest delay the `retry`-th retry (1-based) can get. */
export function backoffCeilingMs(retry: number, policy: BackoffPolicy): number {
  const exponent = Math.max(0, retry - 1);
  return Math.min(policy.capMs, MAX_QUEUE_DELAY_MS, policy.baseMs * 2 ** exponent);
}

/** A delay in [0, ceiling) for the `retry`-th retry; `random` returns values in [0, 1) like Math.random. */
export function retryDelayMs(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(retry, policy));
}
