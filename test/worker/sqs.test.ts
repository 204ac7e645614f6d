import test from 'ava';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// QUEUE_DRIVER=sqs: the same worker against an SQS-protocol server (fauxqs in this process) and real Redis.
let redis: TestRedis;
let sqs: TestSqs;
test.before(async () => {
  [redis, sqs] = await Promise.all([startRedis(), startSqs({ visibilityTimeout: 30, maxReceiveCount: 5 })]);
});
test.after.always(async () => {
  await Promise.all([redis?.stop(), sqs?.stop()]);
});

async function deadLetters(): Promise<{ body: string; reason: string }[]> {
  const client = new SQSClient({ region: 'us-east-1', endpoint: sqs.endpoint, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const found: { body: string; reason: string }[] = [];
    for (;;) {
      const { Messages = [] } = await client.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], WaitTimeSeconds: 0 }),
      );
      if (Messages.length === 0) return found;
      found.push(...Messages.map((m) => ({ body: m.Body ?? '', reason: m.MessageAttributes?.reason?.StringValue ?? '' })));
    }
  } finally {
    client.destroy();
  }
}

test.serial('on SQS a run succeeds, a failing one is retried with a new message, and poison goes to the DLQ while the worker keeps going', async (t) => {
  const h = harness(t, { redisUrl: redis.url, sqs });
  const { worker } = await h.startWorker();
  t.is(h.queue.name, 'sqs');
  const ok = await h.submit('simulate', { durationMs: 10, output: 'via sqs' });
  const retried = await h.submit('simulate', { durationMs: 0, failAttempts: 1 }, { maxAttempts: 3 });
  await h.queue.send('definitely not a run message');
  await h.queue.send(JSON.stringify({ ...messageForRun(ok), v: 2 }));
  const after = await h.submit('simulate', { durationMs: 0, output: 'after the poison' });

  t.deepEqual((await h.waitForStatus(ok.id, ['succeeded', 'failed'])).result, 'via sqs');
  t.deepEqual((await h.waitForStatus(retried.id, ['succeeded', 'failed'])).attempts.map((a) => a.outcome), ['failed', 'succeeded']);
  t.deepEqual((await h.waitForStatus(after.id, ['succeeded', 'failed'])).result, 'after the poison');
  const letters = await eventually(async () => {
    const found = await deadLetters();
    return found.length === 2 ? found : undefined;
  }, 'two dead letters');
  t.deepEqual(letters.map((l) => l.body).sort(), [JSON.stringify({ ...messageForRun(ok), v: 2 }), 'definitely not a run message'].sort());
  t.true(letters.every((l) => l.reason.length > 0), 'each dead letter says why');
  t.false(worker.status().draining);
});

test.serial('on SQS a duplicate message of a finished run is dropped without running it again', async (t) => {
  const h = harness(t, { redisUrl: redis.url, sqs });
  const { worker } = await h.startWorker();
  const run = await h.submit('echo-module', {});
  await h.waitForStatus(run.id, 'succeeded');
  await h.queue.send(encodeRunMessage(messageForRun(run)));
  await eventually(async () => (await worker.metrics.deliveriesDropped.get()).values.some((v) => v.labels.reason === 'finished' && v.value === 1), 'the duplicate to be dropped');
  t.is((await h.get(run.id)).attempts.length, 1);
});
