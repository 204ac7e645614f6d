import test from 'ava';
import { waitFor } from '../support/ports.js';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

// Serial: Redis is taken down and brought back for the whole file.
let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

/** Generous bound: the point is "answers instead of hanging", not how fast. */
const NOT_A_HANG = { signal: AbortSignal.timeout(20_000) };

test.serial('with Redis stopped, /readyz is 503 naming redis, and requests are 503 with Retry-After, never 500', async (t) => {
  const before = await api.bootstrap.submit();
  t.is(before.status, 202);

  await api.redisServer.kill();

  const ready = await fetch(`${api.url}/readyz`, NOT_A_HANG);
  t.is(ready.status, 503);
  t.regex(ready.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const readiness = (await ready.json()) as { redis: string; detail: string };
  t.is(readiness.redis, 'down');
  t.regex(readiness.detail, /redis/);
  t.truthy(ready.headers.get('retry-after'));

  const post = await api.bootstrap.submit();
  t.is(post.status, 503);
  t.truthy(post.headers.get('retry-after'));
  t.regex(post.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.regex(post.json.type, /dependency-unavailable$/);
  // The key could not be checked, so nothing was recorded; the body says so and how to retry.
  t.is(post.json.mayHaveBeenRecorded, false);
  t.regex(post.json.detail, /recorded no run.*same Idempotency-Key/);

  // With a key, an earlier request with the same key may have made the run (e.g. one whose 503 said
  // so): this request cannot see it, so it must not tell the client that no run exists.
  const keyed = await api.bootstrap.submit({}, { 'Idempotency-Key': 'outage-order-1' });
  t.is(keyed.status, 503);
  t.is(keyed.json.mayHaveBeenRecorded, true);
  t.regex(keyed.json.detail, /may have been recorded.*same Idempotency-Key/);

  // A batch's items may carry keys, unread when the outage stopped it: it cannot say "no run".
  const batch = await api.bootstrap.post('/v1/runs/batch', { runs: [{ agent: 'simulate', input: {}, idempotencyKey: 'outage-batch-item' }] });
  t.is(batch.status, 503);
  t.is(batch.json.mayHaveBeenRecorded, true);
  t.regex(batch.json.detail, /may have been recorded.*same idempotencyKey/);

  for (const path of [`/v1/runs/${before.json.id}`, '/v1/runs', '/v1/queue', '/v1/fleet']) {
    const response = await api.bootstrap.get(path);
    t.is(response.status, 503, path);
    t.truthy(response.headers.get('retry-after'), path);
  }
  const cancel = await api.bootstrap.post(`/v1/runs/${before.json.id}/cancel`);
  t.is(cancel.status, 503);

  t.is((await fetch(`${api.url}/healthz`, NOT_A_HANG)).status, 200, 'the process itself stays alive');
});

test.serial('an unknown key while Redis is down is 503, not 401: the key may well be valid', async (t) => {
  const stranger = await fetch(`${api.url}/v1/runs`, { headers: { authorization: 'Bearer never-seen-key-0123456789' }, ...NOT_A_HANG });
  t.is(stranger.status, 503);
});

test.serial('when Redis is back, the API is ready again and accepts runs without a restart', async (t) => {
  await api.redisServer.restart();
  await waitFor(async () => (await fetch(`${api.url}/readyz`)).status === 200, 'the API to be ready again', 30_000);
  await waitFor(async () => (await api.bootstrap.submit()).status === 202, 'a run to be accepted again', 30_000);
  const after = await api.bootstrap.submit();
  t.is(after.status, 202);
  t.is((await api.bootstrap.get(`/v1/runs/${after.json.id}`)).json.status, 'queued');
});
