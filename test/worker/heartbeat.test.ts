import test from 'ava';
import { loadConfig } from '../../services/core/config.js';
import type { Delivery } from '../../services/core/queue/contract.js';
import { DeliveryNotHeldError } from '../../services/core/queue/errors.js';
import { extensionPeriodSeconds, gatheringSeconds } from '../../services/core/queue/extension-schedule.js';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { Heartbeat, type KeptAttempt } from '../../services/worker/heartbeat.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, silentLogger, TENANT } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a run longer than its lease and its visibility timeout is neither redelivered nor taken over', async (t) => {
  const h = harness(t, { redisUrl: redis.url, env: { LEASE_SECONDS: '1', VISIBILITY_SECONDS: '2' } });
  const workers = [await h.startWorker(), await h.startWorker()];
  const run = await h.submit('simulate', { durationMs: 5000 });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.deepEqual(done.attempts.map((a) => a.outcome), ['succeeded']);
  for (const { worker } of workers) {
    const dropped = (await worker.metrics.deliveriesDropped.get()).values.reduce((sum, v) => sum + v.value, 0);
    t.is(dropped, 0, 'no second delivery reached any worker');
  }
});

/** A real lease on a real run, and a real delivery of its message. */
async function keptAttempt(h: ReturnType<typeof harness>) {
  const { run } = await h.store.create(TENANT, { agent: 'simulate', input: {}, timeoutSeconds: 60, maxAttempts: 1, priority: 0, metadata: {} });
  const message = messageForRun(run);
  await h.queue.send(encodeRunMessage(message));
  const [delivery] = await h.queue.receive(1, { waitSeconds: 5 });
  const start = await h.store.startAttempt(message, 'heartbeat-test');
  if (start.kind !== 'started' || !delivery) throw new Error(`could not start: ${start.kind}`);
  const seen: string[] = [];
  const attempt: KeptAttempt = {
    lease: start.lease,
    delivery,
    onLeaseLost: () => seen.push('lost'),
    onCancelRequested: () => seen.push('cancel'),
  };
  return { run, attempt, seen };
}

test('a heartbeat reports a requested cancel and a lost lease to the attempt', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  let now = Date.now();
  const heartbeat = new Heartbeat(h.store, h.queue, { leaseSeconds: 30, visibilitySeconds: 60 }, silentLogger, () => now);

  const cancelled = await keptAttempt(h);
  heartbeat.track(cancelled.attempt);
  await h.store.requestCancel(TENANT, cancelled.run.id);
  now += 10_001;
  heartbeat.tick();
  await eventually(() => cancelled.seen.length > 0, 'the cancel to be seen');
  t.deepEqual(cancelled.seen, ['cancel']);

  const stolen = await keptAttempt(h);
  const forged: KeptAttempt = { ...stolen.attempt, lease: { ...stolen.attempt.lease, token: 'not-the-token' } };
  heartbeat.track(forged);
  now += 10_001;
  heartbeat.tick();
  await eventually(() => stolen.seen.length > 0, 'the lost lease to be seen');
  t.deepEqual(stolen.seen, ['lost']);
  t.is(heartbeat.size, 1, 'an attempt that lost its lease is no longer kept');
});

test('only due attempts are renewed, each once per period', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  let now = Date.now();
  const calls: string[] = [];
  const store = { heartbeat: async (lease: { runId: string }) => (calls.push(lease.runId), { held: true, cancelRequested: false }) };
  // The store above only counts calls: what is under test is the ticker's scheduling, not Redis.
  const heartbeat = new Heartbeat(store, h.queue, { leaseSeconds: 3, visibilitySeconds: 900 }, silentLogger, () => now);
  const a = await keptAttempt(h);
  heartbeat.track(a.attempt);
  now += 500;
  const b = await keptAttempt(h);
  heartbeat.track(b.attempt);

  now += 600;
  heartbeat.tick();
  t.deepEqual(calls, [a.run.id], 'a is due after 1 s, b is not yet');
  now += 500;
  heartbeat.tick();
  t.deepEqual(calls, [a.run.id, b.run.id]);
  heartbeat.tick();
  t.is(calls.length, 2, 'nothing is due twice in the same period');
});

test('due visibility extensions are gathered into one call, each at most a gathering late, and stay in step (production defaults)', (t) => {
  const { LEASE_SECONDS, VISIBILITY_SECONDS } = loadConfig({});
  let now = 1_000_000;
  const batches: { at: number; ids: string[] }[] = [];
  // Fakes that only record: what is under test is the ticker's gathering, not a queue (the drivers' batches are in the queue contract suite).
  const queue = { extendVisibilityMany: async (deliveries: readonly Delivery[]) => (batches.push({ at: now, ids: deliveries.map((d) => d.id) }), []) };
  const store = { heartbeat: async () => ({ held: true, cancelRequested: false }) };
  const heartbeat = new Heartbeat(store, queue, { leaseSeconds: LEASE_SECONDS, visibilitySeconds: VISIBILITY_SECONDS }, silentLogger, () => now);
  const periodMs = extensionPeriodSeconds(VISIBILITY_SECONDS) * 1000;
  const gatherMs = gatheringSeconds(VISIBILITY_SECONDS) * 1000;
  const dueAt = new Map<string, number>();
  const track = (id: string) => {
    heartbeat.track({ lease: { runId: id, token: id, attempt: 1 }, delivery: { id, body: '{}', receiveCount: 1, receivedAt: now }, onLeaseLost() {}, onCancelRequested() {} });
    dueAt.set(id, now + periodMs);
  };
  const tracked = new Map([
    [100, 'a'],
    [1_500, 'b'],
    [2_500, 'c'],
  ]);
  for (const start = now; now < start + 2_500 + 3 * periodMs; now += 100) {
    const id = tracked.get(now - start);
    if (id) track(id);
    heartbeat.tick();
  }

  t.deepEqual(
    batches.slice(0, 4).map((batch) => batch.ids),
    [['a', 'b'], ['c'], ['a', 'b'], ['c']],
    'a and b, due 1.4 s apart, share a call, and keep sharing it',
  );
  for (const { at, ids } of batches.slice(0, 2)) {
    for (const id of ids) t.true(at >= (dueAt.get(id) as number) && at <= (dueAt.get(id) as number) + gatherMs, `${id} extended at most a gathering after it was due`);
  }
  t.is((batches[2]?.at ?? 0) - (batches[0]?.at ?? 0), periodMs, 'then extended once per period');
});

test("the first extension is due a period after the receive, not after the attempt began: a slow start does not let the visibility lapse (production defaults)", (t) => {
  const { LEASE_SECONDS, VISIBILITY_SECONDS } = loadConfig({});
  let now = 1_000_000;
  const extended: { at: number; id: string }[] = [];
  // Fakes that only record: what is under test is when the ticker extends, not a queue.
  const queue = { extendVisibilityMany: async (deliveries: readonly Delivery[]) => (extended.push(...deliveries.map((d) => ({ at: now, id: d.id }))), []) };
  const store = { heartbeat: async () => ({ held: true, cancelRequested: false }) };
  const heartbeat = new Heartbeat(store, queue, { leaseSeconds: LEASE_SECONDS, visibilitySeconds: VISIBILITY_SECONDS }, silentLogger, () => now);
  const periodMs = extensionPeriodSeconds(VISIBILITY_SECONDS) * 1000;
  const gatherMs = gatheringSeconds(VISIBILITY_SECONDS) * 1000;
  const track = (id: string, receivedAt: number) =>
    heartbeat.track({ lease: { runId: id, token: id, attempt: 1 }, delivery: { id, body: '{}', receiveCount: 1, receivedAt }, onLeaseLost() {}, onCancelRequested() {} });

  heartbeat.tick();
  const receivedAt = new Map([
    ['on-time', now],
    ['slow', now - periodMs / 2],
    ['very-slow', now - 18_000],
  ]);
  for (const [id, at] of receivedAt) track(id, at);
  for (const start = now; now < start + 2 * periodMs; now += 100) heartbeat.tick();

  for (const [id, at] of receivedAt) {
    const first = extended.find((e) => e.id === id);
    t.truthy(first, `${id} was extended`);
    t.true((first?.at ?? Infinity) <= Math.max(at + periodMs, 1_000_000) + gatherMs, `${id} first extended at most a gathering after it was due (or after it was tracked)`);
    t.true((first?.at ?? Infinity) < at + VISIBILITY_SECONDS * 1000, `${id} extended before its visibility lapsed`);
  }
  t.is(extended.find((e) => e.id === 'very-slow')?.at, 1_000_000 + gatherMs, 'already past due: extended at the next gathering');
});

test('a delivery the queue no longer holds is not extended again; the others are (production defaults)', async (t) => {
  const { LEASE_SECONDS, VISIBILITY_SECONDS } = loadConfig({});
  let now = 1_000_000;
  const extended: string[][] = [];
  // The queue's answer is what is under test: a DeliveryNotHeldError for one of the two (the drivers produce it against real servers in the queue contract suite).
  const queue = {
    extendVisibilityMany: async (deliveries: readonly Delivery[]) => {
      extended.push(deliveries.map((d) => d.id));
      return deliveries.filter((d) => d.id === 'gone').map((delivery) => ({ delivery, error: new DeliveryNotHeldError(delivery.id, 'not in flight') }));
    },
  };
  const store = { heartbeat: async () => ({ held: true, cancelRequested: false }) };
  const heartbeat = new Heartbeat(store, queue, { leaseSeconds: LEASE_SECONDS, visibilitySeconds: VISIBILITY_SECONDS }, silentLogger, () => now);
  for (const id of ['kept', 'gone']) {
    heartbeat.track({ lease: { runId: id, token: id, attempt: 1 }, delivery: { id, body: '{}', receiveCount: 1, receivedAt: now }, onLeaseLost() {}, onCancelRequested() {} });
  }
  const periodMs = extensionPeriodSeconds(VISIBILITY_SECONDS) * 1000;
  for (const start = now; now < start + 3 * periodMs; now += 100) {
    heartbeat.tick();
    await Promise.resolve();
  }
  t.deepEqual(extended[0]?.slice().sort(), ['gone', 'kept']);
  t.true(extended.length >= 2, 'extended again a period later');
  t.deepEqual(extended.slice(1), extended.slice(1).map(() => ['kept']), 'only the delivery still held');
  t.is(heartbeat.size, 2, 'the lease of both is still renewed: it, not the message, guards the run');
});

test('extensionSettled waits for an extension already sent, so a hand-back is not undone by it', async (t) => {
  let answer: () => void = () => undefined;
  const queue = { extendVisibilityMany: () => new Promise<never[]>((resolve) => (answer = () => resolve([]))) };
  const store = { heartbeat: async () => ({ held: true, cancelRequested: false }) };
  let now = 1_000_000;
  const heartbeat = new Heartbeat(store, queue, { leaseSeconds: 30, visibilitySeconds: 30 }, silentLogger, () => now);
  const attempt: KeptAttempt = { lease: { runId: 'r', token: 'r', attempt: 1 }, delivery: { id: 'r', body: '{}', receiveCount: 1, receivedAt: now }, onLeaseLost() {}, onCancelRequested() {} };
  heartbeat.track(attempt);
  now += extensionPeriodSeconds(30) * 1000;
  heartbeat.tick();
  heartbeat.untrack(attempt);
  let settled = false;
  const waiting = heartbeat.extensionSettled(attempt).then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.false(settled, 'the extension in flight has not answered yet');
  answer();
  await waiting;
  t.true(settled);
  await heartbeat.extensionSettled(attempt);
});
