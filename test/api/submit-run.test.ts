import test from 'ava';
import { receiveMessageFor, startApiHarness, type ApiHarness } from './helpers/api-harness.js';

// Serial: these tests count messages on the one queue this file's API sends to.
let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

async function drainQueue(): Promise<void> {
  for (;;) {
    const deliveries = await api.queue.receive(100, { waitSeconds: 0 });
    if (deliveries.length === 0) return;
    await Promise.all(deliveries.map((delivery) => api.queue.ack(delivery)));
  }
}

test.serial('with a bootstrap key, POST /v1/runs is 202 with the queued run and a Location', async (t) => {
  const response = await api.bootstrap.submit();
  t.is(response.status, 202);
  t.regex(response.headers.get('content-type') ?? '', /^application\/json/);
  const run = response.json;
  t.like(run, { agent: 'simulate', status: 'queued', input: { durationMs: 200 }, attempts: [], startedAt: null, finishedAt: null, result: null, error: null });
  t.is(typeof run.id, 'string');
  t.is(response.headers.get('location'), `/v1/runs/${run.id}`);
  t.is(response.headers.get('idempotent-replayed'), null);

  const fetched = await api.bootstrap.get(`/v1/runs/${run.id}`);
  t.is(fetched.status, 200);
  t.deepEqual(fetched.json, run);
});

test.serial('the queue message carries the full spec with defaults applied', async (t) => {
  const response = await api.bootstrap.submit({ input: { durationMs: 5 }, priority: 4, metadata: { team: 'search' } });
  const run = response.json;
  const message = await receiveMessageFor(api.queue, run.id);
  t.deepEqual(message, {
    v: 1,
    runId: run.id,
    tenant: 'bootstrap',
    agent: 'simulate',
    input: { durationMs: 5 },
    timeoutSeconds: 900,
    maxAttempts: 3,
    attempt: 1,
    priority: 4,
    metadata: { team: 'search' },
    createdAt: run.createdAt,
  });
});

test.serial('the same Idempotency-Key and body twice gives the same run, marked as a replay, and one message', async (t) => {
  await drainQueue();
  const before = await api.queue.depth();
  const first = await api.bootstrap.submit({}, { 'Idempotency-Key': 'order-1' });
  const second = await api.bootstrap.submit({}, { 'Idempotency-Key': 'order-1' });
  t.is(first.status, 202);
  t.is(second.status, 202);
  t.is(second.json.id, first.json.id);
  t.is(second.headers.get('idempotent-replayed'), 'true');
  t.is((await api.queue.depth()).visible, before.visible + 1);
});

test.serial('concurrent requests with one Idempotency-Key create one run and send one message', async (t) => {
  await drainQueue();
  const before = await api.queue.depth();
  const responses = await Promise.all(Array.from({ length: 12 }, () => api.bootstrap.submit({}, { 'Idempotency-Key': 'burst-7' })));
  t.true(responses.every((r) => r.status === 202));
  t.is(new Set(responses.map((r) => r.json.id)).size, 1);
  t.is(responses.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1, 'exactly one request created it');
  t.is((await api.queue.depth()).visible, before.visible + 1);
});

test.serial('an Idempotency-Key is per tenant: another tenant using it gets its own run', async (t) => {
  const other = await api.newTenant();
  const mine = await api.bootstrap.submit({}, { 'Idempotency-Key': 'shared-name' });
  const theirs = await other.submit({}, { 'Idempotency-Key': 'shared-name' });
  t.is(theirs.status, 202);
  t.not(theirs.json.id, mine.json.id);
  t.is(theirs.headers.get('idempotent-replayed'), null);
});

test.serial('an empty Idempotency-Key is a 400 naming the header, not a submit without a key', async (t) => {
  const before = (await api.bootstrap.get('/v1/runs')).json.runs.length;
  const empty = await api.bootstrap.submit({}, { 'Idempotency-Key': '' });
  t.is(empty.status, 400);
  t.deepEqual([...new Set(empty.json.errors.map((error: { field: string }) => error.field))], ['Idempotency-Key']);
  t.is((await api.bootstrap.get('/v1/runs')).json.runs.length, before, 'no run created');
});

test.serial("a run's own timeout and attempts override the defaults, in the response and in the message", async (t) => {
  const own = await api.bootstrap.submit({ timeoutSeconds: 45, maxAttempts: 1 });
  t.like(own.json, { timeoutSeconds: 45, maxAttempts: 1, priority: 0, metadata: {} });
  const message = await receiveMessageFor(api.queue, own.json.id);
  t.like(message, { timeoutSeconds: 45, maxAttempts: 1 });
});
