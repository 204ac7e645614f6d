import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import test from 'ava';
import { startApi } from '../../services/api/server.js';
import { createLogger } from '../../services/core/logger.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { receiveMessageFor, startApiHarness, type ApiHarness } from './helpers/api-harness.js';

// The AWS SDK's default credential chain reads these; fauxqs accepts any.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

let sqs: TestSqs;
let api: ApiHarness;

test.before(async () => {
  sqs = await startSqs();
  api = await startApiHarness({
    QUEUE_DRIVER: 'sqs',
    SQS_QUEUE_URL: sqs.queueUrl,
    SQS_DLQ_URL: sqs.dlqUrl,
    SQS_HIGH_PRIORITY_QUEUE_URL: sqs.highPriorityQueueUrl,
    AWS_ENDPOINT_URL: sqs.endpoint,
  });
});

test.after.always(async () => {
  await api?.close();
  await sqs?.stop();
});

test.serial('with the SQS driver, POST /v1/runs is 202 and the full message lands on the SQS queue', async (t) => {
  const response = await api.bootstrap.submit({ metadata: { via: 'sqs' } });
  t.is(response.status, 202);
  const message = await receiveMessageFor(api.queue, response.json.id);
  t.like(message, {
    v: 1,
    runId: response.json.id,
    tenant: 'bootstrap',
    agent: 'simulate',
    input: { durationMs: 200 },
    attempt: 1,
    metadata: { via: 'sqs' },
  });
});

test.serial('with the SQS driver, a batch of 25 is queued whole, its high-priority runs on the high-priority queue', async (t) => {
  const runs = Array.from({ length: 25 }, (_, index) => ({ agent: 'simulate', input: { index }, priority: index % 5 === 0 ? 5 : 0 }));
  const response = await api.bootstrap.post('/v1/runs/batch', { runs });
  t.is(response.status, 202);
  const ids = (response.json.runs as { id: string }[]).map((run) => run.id);
  const client = new SQSClient({ region: 'us-east-1', endpoint: sqs.endpoint });
  try {
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: sqs.highPriorityQueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    t.is(Number(Attributes?.ApproximateNumberOfMessages), 5);
  } finally {
    client.destroy();
  }
  const seen = new Set<string>();
  const deadline = Date.now() + 20_000;
  while (seen.size < 25 && Date.now() < deadline) {
    for (const delivery of await api.queue.receive(10, { waitSeconds: 1 })) {
      await api.queue.ack(delivery);
      seen.add((JSON.parse(delivery.body) as { runId: string }).runId);
    }
  }
  t.deepEqual([...seen].filter((id) => ids.includes(id)).sort(), [...ids].sort());
});

test.serial('with the SQS driver, /readyz and /v1/queue answer from SQS', async (t) => {
  t.is((await fetch(`${api.url}/readyz`)).status, 200);
  t.is((await api.bootstrap.submit()).status, 202);
  const queue = await api.bootstrap.get('/v1/queue');
  t.is(queue.status, 200);
  t.true(queue.json.visible >= 1);
});

test.serial('a run whose message could not be sent is withdrawn, and a retry with the same Idempotency-Key creates it', async (t) => {
  // A second API on the same Redis whose SQS endpoint refuses connections.
  const broken = await startApi({ ...api.config, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' }, createLogger('api-test', 'silent'));
  t.teardown(() => broken.close());
  const headers = { authorization: `Bearer ${api.bootstrap.key}`, 'content-type': 'application/json', 'idempotency-key': 'retry-me' };
  const body = JSON.stringify({ agent: 'simulate', input: { attempt: 'first' } });
  const refused = await fetch(`${broken.url}/v1/runs`, { method: 'POST', headers, body });
  t.is(refused.status, 503);
  t.is(((await refused.json()) as { dependency: string }).dependency, 'queue');

  const retried = await api.bootstrap.submit({ input: { attempt: 'retry' } }, { 'Idempotency-Key': 'retry-me' });
  t.is(retried.status, 202);
  t.is(retried.headers.get('idempotent-replayed'), null, 'the withdrawn run does not count as the first');
  t.deepEqual(retried.json.input, { attempt: 'retry' });
  t.like(await receiveMessageFor(api.queue, retried.json.id), { input: { attempt: 'retry' } });
});

test.serial('with SQS down, POST /v1/runs is 503 and leaves no run behind; /readyz names the queue', async (t) => {
  const client = await api.newTenant();
  await sqs.stop();
  const response = await client.submit();
  t.is(response.status, 503);
  t.truthy(response.headers.get('retry-after'));
  t.is(response.json.dependency, 'queue');
  t.deepEqual((await client.get('/v1/runs')).json.runs, [], 'the run record was discarded');

  const ready = await fetch(`${api.url}/readyz`);
  t.is(ready.status, 503);
  t.like(await ready.json(), { redis: 'ok', queue: 'down' });
});
