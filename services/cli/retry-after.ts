/**
 * When `agentfleet submit` tries again after a 502/503/504 or no answer at all. The API's 503 on a
 * create says the run may have been recorded (and a lost answer may hide one that was); a retry with the same Idempotency-Key returns that run or creates it once, so
 * retrying is safe, and bounded so a long outage ends the command instead of hanging it.
 */

/** Requests in all, the first included. */
export const SUBMIT_ATTEMPTS = 5;
/** No single wait is longer, whatever Retry-After asks. */
export const MAX_RETRY_WAIT_SECONDS = 30;
/** When the failure has no usable Retry-After (no answer, or a proxy's 502/504). */
const DEFAULT_RETRY_WAIT_SECONDS = 1;

/**
 * Seconds to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed with
 * `retryAfter` (delay-seconds or an HTTP date, RFC 9110 §10.2.3); undefined when no attempt is left.
 */
export function retryWaitSeconds(attempt: number, retryAfter: string | null, nowMs: number): number | undefined {
  if (attempt >= SUBMIT_ATTEMPTS) return undefined;
  return Math.min(requestedWaitSeconds(retryAfter, nowMs), MAX_RETRY_WAIT_SECONDS);
}

function requestedWaitSeconds(retryAfter: string | null, nowMs: number): number {
  const value = retryAfter?.trim() ?? '';
  if (/^\d+$/.test(value)) return Number(value);
  const date = Date.parse(value);
  if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - nowMs) / 1000));
  return DEFAULT_RETRY_WAIT_SECONDS;
}
