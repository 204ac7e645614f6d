import test, { type ExecutionContext } from 'ava';
import { RunNotAcceptedError } from '../../services/api/errors.js';
import { problemForError } from '../../services/api/problem.js';
import { startApi, type RunningApi } from '../../services/api/server.js';
import { submitRun } from '../../services/api/submit-run.js';
import { submitRunBatch } from '../../services/api/submit-run-batch.js';
import { loadAgentCatalog } from '../../services/core/agents/catalog.js';
import { createLogger } from '../../services/core/logger.js';
import type { QueueDriver } from '../../services/core/queue/contract.js';
import type { RunMessage } from '../../services/core/queue/message.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { createRedis, waitUntilReady } from '../../services/core/redis.js';
import { startApiHarness, type ApiClient, type ApiHarness } from './helpers/api-harness.js';

// A create answered 503 says whether the run may have been recorded and tells the client to retry
// with the same Idempotency-Key; a client that does gets exactly one run, executed once. Real API,
// real Redis, real BullMQ queue; the outage is a second API on the same Redis whose SQS endpoint
// refuses connections.

// The AWS SDK's default credential chain reads these; nothing answers on the broken endpoint anyway.
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';

const logger = createLogger('submit-unavailable-test', 'silent');
let api: ApiHarness;
let broken: RunningApi;

test.before(async () => {
  api = await startApiHarness();
  broken = await startApi(
    {
      ...api.config,
      QUEUE_DRIVER: 'sqs',
      SQS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/runs',
      SQS_DLQ_URL: 'http://127.0.0.1:1/000000000000/runs-dlq',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
    },
    logger,
  );
  await executeQueued();
});

test.after.always(async () => {
  await broken?.close();
  await api?.close();
});

/** The same client, talking to the API whose queue is down. */
function throughBroken(client: ApiClient, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${broken.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

/**
 * Plays the worker for every message on the queue (the file's tests run one at a time): starts each
 * delivery's attempt as a worker would, and counts, per run id, the deliveries and the starts.
 */
async function executeQueued(): Promise<{ deliveries: Map<string, number>; started: Map<string, number> }> {
  const deliveries = new Map<string, number>();
  const started = new Map<string, number>();
  while ((await api.queue.depth()).visible > 0) {
    for (const delivery of await api.queue.receive(100, { waitSeconds: 1 })) {
      const message = JSON.parse(delivery.body) as RunMessage;
      deliveries.set(message.runId, (deliveries.get(message.runId) ?? 0) + 1);
      if ((await api.store.startAttempt(message, 'test-worker')).kind === 'started') started.set(message.runId, (started.get(message.runId) ?? 0) + 1);
      await api.queue.ack(delivery);
    }
  }
  return { deliveries, started };
}

function assertNotRecordedProblem(t: ExecutionContext, problem: Record<string, unknown>, keyName: string): void {
  t.like(problem, { status: 503, dependency: 'queue', mayHaveBeenRecorded: false });
  t.regex(String(problem.type), /dependency-unavailable$/);
  t.regex(String(problem.detail), /this request recorded no run/);
  t.regex(String(problem.detail), new RegExp(`[Rr]etry .*with the same ${keyName}`));
}

test.serial('POST /v1/runs with the queue down is 503 saying the run was not recorded; the retry with the same key runs it once', async (t) => {
  const client = await api.newTenant();
  const body = { agent: 'simulate', input: { durationMs: 5 } };
  const refused = await throughBroken(client, '/v1/runs', body, { 'idempotency-key': 'order-1' });
  t.is(refused.status, 503);
  t.truthy(refused.headers.get('retry-after'));
  t.regex(refused.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assertNotRecordedProblem(t, (await refused.json()) as Record<string, unknown>, 'Idempotency-Key');
  t.deepEqual((await client.get('/v1/runs')).json.runs, [], 'as the body says: nothing recorded');

  const retried = await client.submit(body, { 'Idempotency-Key': 'order-1' });
  t.is(retried.status, 202);
  const again = await client.submit(body, { 'Idempotency-Key': 'order-1' });
  t.is(again.json.id, retried.json.id);
  t.is(again.headers.get('idempotent-replayed'), 'true');

  const { deliveries, started } = await executeQueued();
  t.deepEqual([...deliveries], [[retried.json.id, 1]], 'one queue message');
  t.deepEqual([...started], [[retried.json.id, 1]], 'one execution');
});

test.serial('a batch item whose message could not be sent is a 503 problem saying it was not recorded; retried with the same idempotencyKey it runs once', async (t) => {
  const client = await api.newTenant();
  const runs = [
    { agent: 'simulate', input: { item: 1 }, idempotencyKey: 'batch-item-1' },
    { agent: 'simulate', input: { item: 2 }, idempotencyKey: 'batch-item-2' },
  ];
  const refused = await throughBroken(client, '/v1/runs/batch', { runs });
  t.is(refused.status, 202);
  const entries = ((await refused.json()) as { runs: Record<string, unknown>[] }).runs;
  t.is(entries.length, 2);
  for (const entry of entries) assertNotRecordedProblem(t, entry, 'idempotencyKey');

  const retried = await client.post('/v1/runs/batch', { runs });
  t.is(retried.status, 202);
  const ids = (retried.json.runs as { id: string }[]).map((run) => run.id).sort();
  const { deliveries, started } = await executeQueued();
  t.deepEqual([...deliveries.keys()].sort(), ids);
  t.deepEqual([...started.values()], [1, 1], 'each run executed once');
});

const spec: RunSpec = { agent: 'simulate', input: { durationMs: 5 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {} };

test.serial('a send that reached the queue but whose answer was lost is still "not recorded": the stray message never runs, the retry runs once', async (t) => {
  // No server here accepts a message and then loses its answer, so that one failure is staged around
  // the real queue: the message is sent, then the call fails as a dropped connection would.
  const answerLost: Pick<QueueDriver, 'send'> = {
    send: async (...args) => {
      await api.queue.send(...args);
      throw new Error('socket hang up');
    },
  };
  const error = await t.throwsAsync(submitRun(api.store, answerLost, logger, 'acme', spec, 'lost-answer'), { instanceOf: RunNotAcceptedError });
  t.false(error?.mayHaveBeenRecorded);
  assertNotRecordedProblem(t, problemForError(error, 'r').problem, 'Idempotency-Key');

  const retry = await submitRun(api.store, api.queue, logger, 'acme', spec, 'lost-answer');
  t.true(retry.created);
  const { deliveries, started } = await executeQueued();
  t.is(deliveries.size, 2, 'the stray message and the retry\'s');
  t.deepEqual([...started], [[retry.run.id, 1]], 'only the retry\'s run executes');
});

test.serial('with Redis failing under the record itself, the 503 says the run (or the batch\'s runs) may have been recorded', async (t) => {
  // The API's kind of connection (fail fast), cut: the store cannot know whether the write landed.
  const redis = createRedis(api.config.REDIS_URL, { name: 'api', failFast: true, autoPipelining: true, logger });
  const store = new RedisRunStore(redis, { retentionSeconds: 3600, leaseSeconds: 30 });
  t.teardown(() => store.close());
  t.true(await waitUntilReady(redis, 20_000));
  redis.disconnect();
  const error = await t.throwsAsync(submitRun(store, api.queue, logger, 'acme', spec, 'half-written'), { instanceOf: RunNotAcceptedError });
  const { problem, headers } = problemForError(error, 'r');
  t.like(problem, { status: 503, dependency: 'redis', mayHaveBeenRecorded: true });
  t.regex(problem.detail, /may have been recorded, and if it was it will run\. Retry with the same Idempotency-Key/);
  t.truthy(headers['Retry-After']);

  const deps = { store, queue: api.queue, agents: loadAgentCatalog(undefined), logger };
  const batch = await t.throwsAsync(submitRunBatch(deps, 'acme', [{ agent: 'simulate', input: {}, idempotencyKey: 'half-written-batch' }], 'r'), {
    instanceOf: RunNotAcceptedError,
  });
  t.like(problemForError(batch, 'r').problem, { status: 503, mayHaveBeenRecorded: true });
  t.regex(String(batch?.message), /the runs may have been recorded.*Retry each item with the same idempotencyKey/);
});
