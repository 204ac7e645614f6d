import test from 'ava';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// Redis (store and BullMQ queue) goes away under a busy worker and comes back. The test server keeps
// no data across a restart, so what was in flight is gone with it; the worker must ride it out and
// go on working, not crash or wedge.
let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a worker rides out a Redis outage and takes new runs once Redis is back', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker({ finishRetryMs: 2_000 });
  const before = await h.submit('simulate', { durationMs: 1500 });
  await h.waitForStatus(before.id, 'running');

  await redis.kill();
  await new Promise((resolve) => setTimeout(resolve, 2500));
  await redis.restart();
  await eventually(() => h.queue.ping().then(() => true, () => false), 'the producer to reconnect');

  const after = await h.submit('simulate', { durationMs: 0, output: 'after the outage' });
  const done = await h.waitForStatus(after.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.is(done.result, 'after the outage');
  t.false(worker.status().draining);
});
