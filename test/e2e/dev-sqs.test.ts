import test from 'ava';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { startDevPlatform, type DevPlatform } from '../support/dev-platform.js';
import { waitFor } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * The README's first flow with QUEUE_DRIVER=sqs: `agentfleet dev` against an SQS-protocol server
 * (fauxqs) instead of BullMQ; runs submitted over HTTP reach `succeeded`, retries included.
 */

let redis: TestRedis;
let sqs: TestSqs;
let dev: DevPlatform;

test.before(async () => {
  redis = await startRedis();
  sqs = await startSqs({ visibilityTimeout: 60 });
  dev = await startDevPlatform({
    key: 'e2e-sqs-key-0123456789ab',
    args: ['--slots', '8', '--min-workers', '1', '--max-workers', '2'],
    env: {
      REDIS_URL: redis.url,
      QUEUE_DRIVER: 'sqs',
      SQS_QUEUE_URL: sqs.queueUrl,
      SQS_DLQ_URL: sqs.dlqUrl,
      AWS_ENDPOINT_URL: sqs.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SHUTDOWN_GRACE_SECONDS: '5',
    },
  });
});

test.after.always(async () => {
  await dev?.stop();
  await sqs?.stop();
  await redis?.stop();
});

test('with the SQS driver, submitted runs reach succeeded with their results', async (t) => {
  t.timeout(120_000);
  const first = await dev.request<{ id: string; status: string }>('POST', '/v1/runs', { agent: 'simulate', input: { durationMs: 200 } });
  t.is(first.status, 202);
  t.is(first.json.status, 'queued');

  const ids = [first.json.id];
  for (let i = 0; i < 30; i++) {
    const input = i % 5 === 0 ? { durationMs: 20, failAttempts: 1, output: { i } } : { durationMs: 50, output: { i } };
    const { status, json } = await dev.request<{ id: string }>('POST', '/v1/runs', { agent: 'simulate', input });
    t.is(status, 202);
    ids.push(json.id);
  }

  const runs = new Map<string, { status: string; attempts: { outcome: string }[]; result: unknown }>();
  await waitFor(async () => {
    for (const id of ids) {
      const { json } = await dev.request<{ status: string; attempts: { outcome: string }[]; result: unknown }>('GET', `/v1/runs/${id}`);
      if (json.status === 'succeeded') runs.set(id, json);
    }
    return runs.size === ids.length;
  }, 'every run to succeed', 90_000);

  t.deepEqual(runs.get(first.json.id)?.result, { simulated: true, durationMs: 200 });
  ids.slice(1).forEach((id, i) => {
    const run = runs.get(id)!;
    t.deepEqual(run.result, { i });
    t.deepEqual(run.attempts.map((a) => a.outcome), i % 5 === 0 ? ['failed', 'succeeded'] : ['succeeded']);
  });
});
