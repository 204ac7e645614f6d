import { setTimeout as sleep } from 'node:timers/promises';
import { ApiResponseError, ApiUnreachableError, type ApiClient, type RunObject } from './api-client.js';
import { CliError } from './cli-error.js';
import { SUBMIT_ATTEMPTS, retryWaitSeconds } from './retry-after.js';

/** What a proxy, load balancer or the API answers while it cannot take the request now. */
const RETRIED_STATUSES = new Set([502, 503, 504]);

/**
 * POST /v1/runs with an Idempotency-Key, retrying with that same key while the API is unreachable or
 * answers 502/503/504: whether or not the failed attempt recorded the run, the retry gets exactly
 * one. `say` reports each retry to the user; every failure names the key, so that a retry by hand
 * cannot create a second run.
 */
export async function submitRun(client: ApiClient, body: unknown, idempotencyKey: string, say: (line: string) => void): Promise<RunObject> {
  const resubmit = `to get the same run (never a second one), submit again with --idempotency-key ${idempotencyKey}`;
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request<RunObject>('POST', '/v1/runs', body, { 'idempotency-key': idempotencyKey });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      if (!retried(error)) throw new CliError(`${error.message}; ${resubmit}`, error instanceof CliError ? error.exitCode : 1);
      const wait = retryWaitSeconds(attempt, error instanceof ApiResponseError ? error.retryAfter : null, Date.now());
      if (wait === undefined) throw new CliError(`${error.message}; gave up after ${SUBMIT_ATTEMPTS} attempts; ${resubmit}`, 1);
      say(`${error.message}\nretrying in ${wait} s with Idempotency-Key ${idempotencyKey} (attempt ${attempt + 1} of ${SUBMIT_ATTEMPTS})`);
      await sleep(wait * 1000);
    }
  }
}

function retried(error: Error): boolean {
  return error instanceof ApiUnreachableError || (error instanceof ApiResponseError && RETRIED_STATUSES.has(error.status));
}
