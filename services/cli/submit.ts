import { setTimeout as sleep } from 'node:timers/promises';
import { ApiResponseError, type ApiClient, type RunObject } from './api-client.js';
import { CliError } from './cli-error.js';
import { SUBMIT_ATTEMPTS, retryWaitSeconds } from './retry-after.js';

/**
 * POST /v1/runs with an Idempotency-Key, retrying 503s with that same key as the API's answer asks:
 * whether or not the failed attempt recorded the run, the retry gets exactly one. `say` reports
 * each retry to the user.
 */
export async function submitRun(client: ApiClient, body: unknown, idempotencyKey: string, say: (line: string) => void): Promise<RunObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.request<RunObject>('POST', '/v1/runs', body, { 'idempotency-key': idempotencyKey });
    } catch (error) {
      if (!(error instanceof ApiResponseError) || error.status !== 503) throw error;
      const wait = retryWaitSeconds(attempt, error.retryAfter, Date.now());
      if (wait === undefined) {
        throw new CliError(
          `${error.message}\ngave up after ${SUBMIT_ATTEMPTS} attempts; to get the same run (never a second one), submit again with --idempotency-key ${idempotencyKey}`,
          1,
        );
      }
      say(`${error.message}\nretrying in ${wait} s with Idempotency-Key ${idempotencyKey} (attempt ${attempt + 1} of ${SUBMIT_ATTEMPTS})`);
      await sleep(wait * 1000);
    }
  }
}
