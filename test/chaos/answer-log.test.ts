import test from 'ava';
import { AnswerLog } from '../../chaos/harness/answer-log.js';
import { ApiUnreachableError, type ApiAnswer } from '../../chaos/harness/api-client.js';

function answer(status: number, headers: Record<string, string> = {}): () => Promise<ApiAnswer<unknown>> {
  return async () => ({ status, json: undefined, headers: new Headers(headers) });
}

test('answers are logged with their phase, status and whether they said when to retry', async (t) => {
  const log = new AnswerLog();
  await log.record('before', 'GET /readyz', answer(200));
  await log.record('outage', 'GET /readyz', answer(503, { 'retry-after': '1' }));
  await log.record('outage', 'POST /v1/runs', answer(503));
  t.is(log.count((a) => a.status === 503), 2);
  t.deepEqual(
    log.inPhase('outage').map((a) => a.retryAfter),
    [true, false],
  );
});

test('a request with no answer is logged as unreachable; any other error is not swallowed', async (t) => {
  const log = new AnswerLog();
  t.is(await log.record('outage', 'GET /v1/queue', () => Promise.reject(new ApiUnreachableError('refused'))), undefined);
  t.is(log.count((a) => a.status === 'unreachable'), 1);
  await t.throwsAsync(log.record('outage', 'GET /v1/queue', () => Promise.reject(new TypeError('a bug'))), { instanceOf: TypeError });
});

test('matching answers are described grouped, with counts', async (t) => {
  const log = new AnswerLog();
  await log.record('outage', 'GET /readyz', answer(500));
  await log.record('outage', 'GET /readyz', answer(500));
  await log.record('after', 'POST /v1/runs', answer(502));
  await log.record('after', 'POST /v1/runs', answer(202));
  t.is(log.describe((a) => a.status !== 202), 'GET /readyz → 500 (outage) ×2; POST /v1/runs → 502 (after) ×1');
  t.true(log.open);
  log.stop();
  t.false(log.open);
});
