import test from 'ava';
import { randomUUID } from 'node:crypto';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';
import { Slots } from '../../services/worker/slots.js';

/** What test/fixtures/agents/concurrency-probe.mjs counted, through the global it shares with this process. */
function maxConcurrent(key: string): number {
  const counters = (globalThis as { __agentfleetConcurrency?: Map<string, { max: number }> }).__agentfleetConcurrency;
  return counters?.get(key)?.max ?? 0;
}

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a worker never runs more agents at once than it has slots', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker({ slots: 3 });
  const key = randomUUID();
  const runs = await Promise.all(Array.from({ length: 12 }, () => h.submit('concurrency', { key, durationMs: 150 })));
  for (const run of runs) t.is((await h.waitForStatus(run.id, ['succeeded', 'failed'])).status, 'succeeded');
  t.is(maxConcurrent(key), 3, 'all three slots were used, and never more');
});

test('no message is received while all slots are busy', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker({ slots: 2 });
  const long = await Promise.all([h.submit('simulate', { durationMs: 600_000 }), h.submit('simulate', { durationMs: 600_000 })]);
  for (const run of long) await h.waitForStatus(run.id, 'running');
  const waiting = await Promise.all([1, 2, 3].map(() => h.submit('simulate', { durationMs: 0 })));
  // Give a wrongly eager receiver every chance: wait until the worker has certainly looked at the queue again.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.like(await h.queue.depth(), { visible: 3, inFlight: 2 });
  t.is(worker.status().busy, 2);
  for (const run of waiting) t.is((await h.get(run.id)).status, 'queued');

  for (const run of long) await h.store.requestCancel('tenant-a', run.id);
  for (const run of waiting) t.is((await h.waitForStatus(run.id, ['succeeded', 'failed'])).status, 'succeeded');
});

test('slots are taken only while free and given back', (t) => {
  const slots = new Slots(3);
  t.is(slots.take(2), 2);
  t.is(slots.take(5), 1);
  t.is(slots.take(1), 0);
  slots.give(2);
  t.is(slots.free, 2);
  t.throws(() => slots.give(5), { message: /more than were taken/ });
  t.throws(() => new Slots(0), { message: /slots: must be a positive integer/ });
});

test('a receiver waiting for a slot wakes when one is given back', async (t) => {
  const slots = new Slots(1);
  slots.take(1);
  const controller = new AbortController();
  let woke = false;
  const waiting = slots.changed(controller.signal).then(() => (woke = true));
  await new Promise((resolve) => setImmediate(resolve));
  t.false(woke);
  slots.give(1);
  await waiting;
  t.true(woke);
  await eventually(() => slots.free === 1, 'a free slot');
});
