import test from 'ava';
import { Redis } from 'ioredis';
import { isTerminal } from '../../services/core/run/model.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, TENANT } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// Redis loses its data while runs are running (FLUSHALL stands in for a node restarted empty). The
// queue is SQS (fauxqs), apart from Redis, as in production: the workers holding the runs restore
// their records and record their outcomes; nothing is acked away and lost (DESIGN §6).
let redis: TestRedis;
let sqs: TestSqs;
let admin: Redis;
test.before(async () => {
  [redis, sqs] = await Promise.all([startRedis(), startSqs({ visibilityTimeout: 30, maxReceiveCount: 5 })]);
  admin = new Redis(redis.url);
});
test.after.always(async () => {
  admin?.disconnect();
  await Promise.all([redis?.stop(), sqs?.stop()]);
});

test('runs running when Redis loses its data are restored by their worker and succeed, each with its one attempt', async (t) => {
  const h = harness(t, { redisUrl: redis.url, sqs });
  await h.startWorker();
  const runs = await Promise.all(Array.from({ length: 3 }, (_, i) => h.submit('simulate', { durationMs: 3_000, output: i })));
  for (const run of runs) await h.waitForStatus(run.id, 'running');
  await admin.flushall();

  for (const [i, run] of runs.entries()) {
    const finished = await eventually(async () => {
      const found = await h.store.get(TENANT, run.id);
      return found && isTerminal(found.status) ? found : undefined;
    }, `run ${run.id} to finish`, 60_000);
    t.like(finished, { status: 'succeeded', result: i });
    t.deepEqual(
      finished.attempts.map((attempt) => attempt.outcome),
      ['succeeded'],
    );
  }
  const listed = (await h.store.list(TENANT, { limit: 10, status: 'succeeded' })).runs.map((run) => run.id);
  t.deepEqual(listed.sort(), runs.map((run) => run.id).sort());
  await eventually(async () => {
    const depth = await h.queue.depth();
    return depth.visible + depth.inFlight + depth.delayed === 0;
  }, 'every message to be acked once its outcome was recorded');
});
