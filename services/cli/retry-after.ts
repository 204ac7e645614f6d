/**
 * When `agentfleet submit` tries again after a 502/503/504 or no answer at all. The API's 503 on a
 * create says the run may have been recorded (and a lost answer may hide one that was); a retry with
 * the same Idempotency-Key returns that run or creates it once, so retrying is safe. The waits double
 * from 1 s (never shorter than the answer's Retry-After, never longer than 30 s), so the retries span
 * about a minute: a Redis failover or a restart of the API's tasks, not a few seconds of it; a longer
 * outage ends the command, naming the key to submit again with.
 */

/** Requests in all, the first included: waits of 1, 2, 4, 8, 16 and 30 s between them (61 s). */
export const SUBMIT_ATTEMPTS = 7;
/** No single wait is longer, whatever Retry-After asks. */
export const MAX_RETRY_WAIT_SECONDS = 30;

/**
 * Seconds to wait before attempt `attempt + 1` after attempt `attempt` (1-based) failed with
 * `retryAfter` (delay-seconds or an HTTP date, RFC 9110 §10.2.3); undefined when no attempt is left.
 */
export function retryWaitSeconds(attempt: number, retryAfter: string | null, nowMs: number): number | undefined {
  if (attempt >= SUBMIT_ATTEMPTS) return undefined;
  const backoff = 2 ** (attempt - 1);
  return Math.min(Math.max(backoff, requestedWaitSeconds(retryAfter, nowMs) ?? 0), MAX_RETRY_WAIT_SECONDS);
}

/** RFC 9110's preferred HTTP date, e.g. `Fri, 04 Dec 2026 05:00:07 GMT`; Date.parse alone takes "1.5" or "2027" for dates. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

function requestedWaitSeconds(retryAfter: string | null, nowMs: number): number | undefined {
  const value = retryAfter?.trim() ?? '';
  if (/^\d+$/.test(value)) return Number(value);
  if (IMF_FIXDATE.test(value)) return Math.max(0, Math.ceil((Date.parse(value) - nowMs) / 1000));
  return undefined;
}
