import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { createLogger } from '../../services/core/logger.js';
import { createRedis } from '../../services/core/redis.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore, type RedisRunStoreOptions } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { useRunStoreRedis } from '../support/run-store.js';

// Creating, reading and withdrawing runs: idempotency, tenant isolation, discard, queue age.

const server = useRunStoreRedis();

/** Each test gets its own key prefix, so global indexes (the queued index) are its own. */
function openStore(t: ExecutionContext, options: Partial<RedisRunStoreOptions> = {}, keyPrefix = `t${randomUUID()}`): RedisRunStore {
  return server.openStore(t, { keyPrefix, ...options });
}

function spec(overrides: Partial<RunSpec> = {}): RunSpec {
  return { agent: 'simulate', input: { durationMs: 5 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: { team: 'infra' }, ...overrides };
}

test('create stores a queued run with a time-ordered id, the spec and no attempts', async (t) => {
  const store = openStore(t);
  const { run, created } = await store.create('acme', spec());
  t.true(created);
  t.regex(run.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.like(run, { tenant: 'acme', agent: 'simulate', status: 'queued', attempts: [], timeoutSeconds: 60, maxAttempts: 3 });
  t.deepEqual(await store.get('acme', run.id), run);
  const later = await store.create('acme', spec());
  t.true(later.run.id > run.id, 'ids sort in creation order');
});

test('the same idempotency key returns the first run, not a new one', async (t) => {
  const store = openStore(t);
  const first = await store.create('acme', spec(), { idempotencyKey: 'order-42' });
  const replay = await store.create('acme', spec({ input: { durationMs: 999 } }), { idempotencyKey: 'order-42' });
  t.true(first.created);
  t.false(replay.created);
  t.deepEqual(replay.run, first.run);
  t.is((await store.list('acme', { limit: 10 })).runs.length, 1);
});

test('concurrent creates with one idempotency key make exactly one run', async (t) => {
  const stores = Array.from({ length: 4 }, () => openStore(t, {}, 'shared-idem'));
  const results = await Promise.all(Array.from({ length: 40 }, (_, i) => stores[i % 4]!.create('racer', spec(), { idempotencyKey: 'same' })));
  t.is(results.filter((r) => r.created).length, 1);
  t.is(new Set(results.map((r) => r.run.id)).size, 1);
  t.is((await stores[0]!.list('racer', { limit: 100 })).runs.length, 1);
});

test('different tenants never collide on an idempotency key, even with separator characters in names', async (t) => {
  const store = openStore(t);
  const a = await store.create('a:b', spec(), { idempotencyKey: 'c' });
  const b = await store.create('a', spec(), { idempotencyKey: 'b:c' });
  const c = await store.create('other', spec(), { idempotencyKey: 'c' });
  t.true(a.created && b.created && c.created);
  t.is(new Set([a.run.id, b.run.id, c.run.id]).size, 3);
  t.is((await store.list('a:b', { limit: 10 })).runs.length, 1);
  t.is((await store.list('a', { limit: 10 })).runs.length, 1);
});

test("another tenant's run reads exactly like a missing one", async (t) => {
  const store = openStore(t);
  const { run } = await store.create('acme', spec());
  t.is(await store.get('globex', run.id), undefined);
  t.is(await store.get('acme', 'no-such-run'), undefined);
  t.deepEqual((await store.list('globex', { limit: 10 })).runs, []);
  t.deepEqual(await store.requestCancel('globex', run.id), { kind: 'not_found' });
});

test('discard withdraws a just-created run with its idempotency key and index entries', async (t) => {
  const store = openStore(t);
  const { run } = await store.create('acme', spec(), { idempotencyKey: 'send-failed' });
  await store.discard(run);
  t.is(await store.get('acme', run.id), undefined);
  t.deepEqual((await store.list('acme', { limit: 10 })).runs, []);
  t.deepEqual((await store.list('acme', { limit: 10, status: 'queued' })).runs, []);
  t.deepEqual(await store.readEvents(run.id), []);
  t.is(await store.oldestQueuedAgeSeconds(), 0);
  const retried = await store.create('acme', spec(), { idempotencyKey: 'send-failed' });
  t.true(retried.created, 'the client may retry with the same key');
  t.not(retried.run.id, run.id);
});

test('discard keeps a run a worker has already started (its message did reach the queue)', async (t) => {
  const store = openStore(t);
  const { run } = await store.create('acme', spec(), { idempotencyKey: 'ambiguous-send' });
  t.is((await store.startAttempt(messageForRun(run), 'w1')).kind, 'started');
  await store.discard(run);
  t.is((await store.get('acme', run.id))?.status, 'running');
  t.false((await store.create('acme', spec(), { idempotencyKey: 'ambiguous-send' })).created);
});

test('oldest queued age counts from when the oldest eligible run was queued, skipping runs in backoff', async (t) => {
  let now = Date.parse('2026-03-01T12:00:00.000Z');
  const store = openStore(t, { clock: () => now, random: () => 0.99, backoff: { baseMs: 60_000, capMs: 60_000 } });
  t.is(await store.oldestQueuedAgeSeconds(), 0);
  const { run: older } = await store.create('acme', spec());
  now += 10_000;
  const { run: newer } = await store.create('acme', spec());
  now += 20_000;
  t.is(await store.oldestQueuedAgeSeconds(), 30);

  const attempt = await store.startAttempt(messageForRun(older), 'w1');
  if (attempt.kind !== 'started') return t.fail(attempt.kind);
  t.is(await store.oldestQueuedAgeSeconds(), 20, 'a started run no longer waits');

  const retry = await store.finishAttempt(attempt.lease, { outcome: 'failed', error: { type: 'x', message: 'x' } });
  t.is(retry.kind, 'retry');
  await store.requestCancel('acme', newer.id);
  t.is(await store.oldestQueuedAgeSeconds(), 0, 'the only queued run is waiting out its backoff');
  now += 60_000;
  t.true((await store.oldestQueuedAgeSeconds()) > 0, 'once eligible it counts as waiting again');
});

test('store options are validated, naming the field', (t) => {
  const redis = createRedis(server.url, { name: 'test', failFast: false, logger: createLogger('test', 'silent') });
  t.teardown(() => redis.disconnect());
  t.throws(() => new RedisRunStore(redis, { retentionSeconds: 0, leaseSeconds: 30 }), { instanceOf: RangeError, message: /^retentionSeconds:/ });
  t.throws(() => new RedisRunStore(redis, { retentionSeconds: 60, leaseSeconds: -1 }), { instanceOf: RangeError, message: /^leaseSeconds:/ });
  t.throws(() => new RedisRunStore(redis, { retentionSeconds: 60, leaseSeconds: 30, backoff: { capMs: 901_000 } }), { message: /^capMs:/ });
});
