import { setTimeout as sleep } from 'node:timers/promises';
import { ApiResponseError, ApiUnreachableError, type ApiClient, type RunObject } from './api-client.js';
import { CliError } from './cli-error.js';
import { SUBMIT_ATTEMPTS, retryWaitSeconds } from './retry-after.js';

/** What a proxy, load balancer or the API answers while it cannot take the request now. */
const RETRIED_STATUSES = new Set([502, 503, 504]);

/**
 * POST /v1/runs with an Idempotency-Key, retrying with that same key while the API is unreachable or
 * answers 502/503/504: whether or not the failed attempt recorded the run, the retry gets exactly
 * one. `say` reports each retry to the user. A failure after which the run may exist names the key,
 * so that a submit by hand gets that run instead of a second one.
 */
export async function submitRun(client: ApiClient, body: unknown, idempotencyKey: string, say: (line: string) => void): Promise<RunObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request<RunObject>('POST', '/v1/runs', body, { 'idempotency-key': idempotencyKey });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      if (!retried(error)) throw explained(error, idempotencyKey, '');
      const wait = retryWaitSeconds(attempt, error instanceof ApiResponseError ? error.retryAfter : null, Date.now());
      if (wait === undefined) throw explained(error, idempotencyKey, `; gave up after ${SUBMIT_ATTEMPTS} attempts`);
      say(`${error.message}\nretrying in ${wait} s with Idempotency-Key ${idempotencyKey} (attempt ${attempt + 1} of ${SUBMIT_ATTEMPTS})`);
      await sleep(wait * 1000);
    }
  }
}

function retried(error: Error): boolean {
  return error instanceof ApiUnreachableError || (error instanceof ApiResponseError && RETRIED_STATUSES.has(error.status));
}

/**
 * The failure as the user must read it. A 4xx is the API refusing this request: it created no run
 * (a 422 for a key reused with another body must not be told to reuse the key). Anything else (a 5xx,
 * no answer, an answer that is not JSON) may hide a recorded run.
 */
function explained(error: Error, idempotencyKey: string, gaveUp: string): CliError {
  const exitCode = error instanceof CliError ? error.exitCode : 1;
  if (error instanceof ApiResponseError && error.status < 500) return new CliError(`${error.message}${gaveUp}; this request created no run`, exitCode);
  return new CliError(
    `${error.message}${gaveUp}; the run may exist: submit again with --idempotency-key ${idempotencyKey} to get it (never a second one)`,
    exitCode,
  );
}
