import test from 'ava';
import { Redis } from 'ioredis';
import { QueueHistory, samplePeriodStart, type QueueSample } from '../../services/core/queue/queue-history.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
let redis: Redis;

test.before(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

test.after.always(async () => {
  redis?.disconnect();
  await server?.stop();
});

test.beforeEach(async () => {
  await redis.flushall();
});

const sample = (at: number, visible = 0): QueueSample => ({ at, visible, inFlight: 0, delayed: 0, oldestAgeSeconds: 0, deadLettered: 0 });

test.serial('a period keeps the first sample written for it, whoever writes second', async (t) => {
  const history = new QueueHistory(redis);
  t.true(await history.record(sample(10_000, 1)));
  t.false(await history.record(sample(10_000, 2)), 'a second API process sampling the same period');
  t.deepEqual(await history.read(10_000), [sample(10_000, 1)]);
});

test.serial('samples older than the window are dropped on write and not read', async (t) => {
  const history = new QueueHistory(redis, { windowMs: 60_000 });
  await history.record(sample(0));
  await history.record(sample(30_000));
  t.deepEqual((await history.read(70_000)).map((s) => s.at), [30_000]);
  await history.record(sample(70_000));
  t.is(await redis.zcard('af:queue:history'), 2, 'the sample at 0 is gone from Redis too');
});

test.serial('never more than maxSamples are kept, the newest', async (t) => {
  const history = new QueueHistory(redis, { maxSamples: 3 });
  for (let at = 1; at <= 5; at++) await history.record(sample(at * 1000));
  t.deepEqual((await history.read(6000)).map((s) => s.at), [3000, 4000, 5000]);
});

test('every process computes the same period start', (t) => {
  t.is(samplePeriodStart(12_345, 5_000), 10_000);
  t.is(samplePeriodStart(15_000, 5_000), 15_000);
});
