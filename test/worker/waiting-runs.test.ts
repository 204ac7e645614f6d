import test, { type ExecutionContext } from 'ava';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, TENANT } from './helpers/harness.js';

/**
 * Runs that wait: ttlSeconds, delaySeconds and priority, through the real path (RedisRunStore on a
 * real redis-server, the real queue driver, a Worker). Timing is asserted one way only: a run starts
 * no earlier than asked; how much later is not a test's business.
 */

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

/** BullMQ queues are per harness already; SQS gets a fauxqs server per test, so tests never share a queue. */
async function harnessOn(t: ExecutionContext, driver: 'bullmq' | 'sqs') {
  if (driver === 'bullmq') return harness(t, { redisUrl: redis.url });
  const sqs: TestSqs = await startSqs({ visibilityTimeout: 30 });
  t.teardown(() => sqs.stop());
  return harness(t, { redisUrl: redis.url, sqs });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const driver of ['bullmq', 'sqs'] as const) {
  test(`${driver}: a run whose ttl passed before any worker took it ends cancelled (expired) and never starts`, async (t) => {
    const h = await harnessOn(t, driver);
    const expired = await h.submit('simulate', { durationMs: 10 }, { ttlSeconds: 1 });
    const fresh = await h.submit('simulate', { durationMs: 10 }, { ttlSeconds: 600 });
    await sleep(1_500);
    await h.startWorker();
    const done = await h.waitForStatus(expired.id, 'cancelled');
    t.like(done, { startedAt: undefined, attempts: [], error: { type: 'expired' } });
    t.like(await h.waitForStatus(fresh.id, ['succeeded', 'failed']), { status: 'succeeded' });
    // Its message is gone: nothing comes back to start it later.
    await sleep(2_500);
    t.deepEqual((await h.get(expired.id)).attempts, []);
    const depth = await h.queue.depth();
    t.is(depth.visible + depth.inFlight + depth.delayed, 0);
  });

  test(`${driver}: a delayed run starts no earlier than its delay after creation`, async (t) => {
    const h = await harnessOn(t, driver);
    await h.startWorker();
    const run = await h.submit('simulate', { durationMs: 10 }, { delaySeconds: 2 });
    const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
    t.is(done.status, 'succeeded');
    const waited = Date.parse(done.startedAt!) - Date.parse(done.createdAt);
    t.true(waited >= 2_000, `started ${waited} ms after creation`);
  });

  test(`${driver}: a delayed run whose message arrives early (a queue that cannot delay that long) is held back until due`, async (t) => {
    const h = await harnessOn(t, driver);
    await h.startWorker();
    const { run } = await h.store.create(TENANT, { agent: 'simulate', input: { durationMs: 10 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {}, delaySeconds: 3 });
    // Sent with no delay at all: the worker receives it at once and must hand it back.
    await h.queue.send(encodeRunMessage(messageForRun(run)));
    const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
    t.is(done.status, 'succeeded');
    t.is(done.attempts.length, 1);
    const waited = Date.parse(done.startedAt!) - Date.parse(done.createdAt);
    t.true(waited >= 3_000, `started ${waited} ms after creation`);
  });

  test(`${driver}: runs submitted while no worker runs start by priority, highest first`, async (t) => {
    const h = await harnessOn(t, driver);
    const low = [];
    for (let i = 0; i < 3; i++) low.push(await h.submit('simulate', { durationMs: 5 }, { priority: 0 }));
    const high = [];
    for (let i = 0; i < 3; i++) high.push(await h.submit('simulate', { durationMs: 5 }, { priority: 50 }));
    await h.startWorker({ slots: 1 });
    const done = await Promise.all([...low, ...high].map((run) => h.waitForStatus(run.id, ['succeeded', 'failed'])));
    const order = [...done].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((run) => run.priority);
    t.deepEqual(order.slice(0, 3), [50, 50, 50], `start order by priority: ${order.join(', ')}`);
    if (driver === 'bullmq') {
      // BullMQ honours each level and keeps arrival order within one.
      t.deepEqual(
        [...done].sort((a, b) => Date.parse(a.startedAt!) - Date.parse(b.startedAt!)).map((run) => run.id),
        [...high, ...low].map((run) => run.id),
      );
    }
  });
}
