import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import test, { type ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RunNotAcceptedError } from '../../services/api/errors.js';
import { submitRun } from '../../services/api/submit-run.js';
import { UnsentRunSweeper } from '../../services/api/unsent-run-sweeper.js';
import { loadConfig } from '../../services/core/config.js';
import { createLogger } from '../../services/core/logger.js';
import type { QueueDriver } from '../../services/core/queue/contract.js';
import { createQueueDriver } from '../../services/core/queue/index.js';
import type { RunMessage } from '../../services/core/queue/message.js';
import { createRedis, waitUntilReady } from '../../services/core/redis.js';
import type { Run, RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { startRedis, type TestRedis } from '../support/redis.js';

// A run recorded but never queued (Redis or the API died between the record and the send) gets its
// message from the client's retry with the same Idempotency-Key or from the sweeper, and a run that
// was queued is never queued again. Real Redis, real run store, real BullMQ driver; time moves on the
// store's injected clock.

const logger = createLogger('unsent-runs-test', 'silent');
const SEND_CLAIM_MS = 3_000;
const GRACE_MS = 30_000;

let server: TestRedis;
test.before(async () => {
  server = await startRedis();
});
test.after.always(async () => {
  await server?.stop();
});

class Clock {
  now = Date.now();
  advance(ms: number): void {
    this.now += ms;
  }
}

interface Api {
  /** The API's connection: fails fast, auto-pipelined, as in `agentfleet api`. */
  redis: Redis;
  store: RedisRunStore;
}

interface Setup {
  clock: Clock;
  queue: QueueDriver;
  /** API processes on the same Redis keys and queue. */
  apis: Api[];
  sweeper(api: Api): UnsentRunSweeper;
}

async function setUp(t: ExecutionContext, processes = 1): Promise<Setup> {
  const clock = new Clock();
  const keyPrefix = `t${randomUUID()}`;
  const queue = createQueueDriver(loadConfig({ REDIS_URL: server.url, QUEUE_NAME: `q-${randomUUID()}`, QUEUE_DRIVER: 'bullmq' }), { logger });
  const apis = Array.from({ length: processes }, () => {
    const redis = createRedis(server.url, { name: 'api', failFast: true, autoPipelining: true, logger });
    const store = new RedisRunStore(redis, { retentionSeconds: 3600, leaseSeconds: 30, keyPrefix, sendClaimMs: SEND_CLAIM_MS, clock: () => clock.now });
    return { redis, store };
  });
  t.teardown(async () => {
    await queue.close();
    for (const { redis, store } of apis) {
      await store.close();
      redis.disconnect();
    }
  });
  for (const { redis } of apis) t.true(await waitUntilReady(redis, 20_000), 'the API connection is ready');
  return {
    clock,
    queue,
    apis,
    sweeper: ({ store }) => new UnsentRunSweeper(store, queue, logger, new Registry(), { graceMs: GRACE_MS }),
  };
}

function spec(): RunSpec {
  return { agent: 'simulate', input: { durationMs: 5 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {} };
}

/**
 * A queue whose send fails the way it does when Redis dies under the API: the API's connection is cut
 * first, so the discard that follows fails as well. A real Redis cannot be made to die at exactly
 * that instant, so the send is faked; the store, its connection and Redis are real.
 */
function dyingQueue(api: Api): Pick<QueueDriver, 'send'> {
  return {
    send: async () => {
      api.redis.disconnect();
      throw new Error('Connection is closed.');
    },
  };
}

/** Submits through a dying queue, checks the API answered 503, and brings the API's connection back. */
async function submitAndLoseRedis(t: ExecutionContext, api: Api, idempotencyKey?: string): Promise<void> {
  const error = await t.throwsAsync(submitRun(api.store, dyingQueue(api), logger, 'acme', spec(), idempotencyKey), { instanceOf: RunNotAcceptedError });
  t.true(error?.mayHaveBeenRecorded, 'the discard failed too: the 503 says the run may have been recorded');
  if (api.redis.status !== 'end') await once(api.redis, 'end');
  await api.redis.connect();
  t.true(await waitUntilReady(api.redis, 20_000));
}

/**
 * The API does not wait for `markSent` (its ZREM goes out with the next batch of commands): wait for
 * it here, by letting that batch go and making a round trip behind it on the same connection.
 */
async function markSentLanded(api: Api): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
  await api.store.ping();
}

/** The one run of tenant acme, as listed. */
async function theRun(t: ExecutionContext, api: Api): Promise<Run> {
  const { runs } = await api.store.list('acme', { limit: 10 });
  t.is(runs.length, 1);
  return runs[0]!;
}

/** Every message on the queue, received and acked. */
async function messagesOn(queue: QueueDriver): Promise<RunMessage[]> {
  const messages: RunMessage[] = [];
  while ((await queue.depth()).visible > 0) {
    for (const delivery of await queue.receive(100, { waitSeconds: 1 })) {
      messages.push(JSON.parse(delivery.body) as RunMessage);
      await queue.ack(delivery);
    }
  }
  return messages;
}

test('a run whose send failed after it was recorded is queued by the retry with the same Idempotency-Key, once', async (t) => {
  const { clock, queue, apis, sweeper } = await setUp(t);
  const api = apis[0]!;
  await submitAndLoseRedis(t, api, 'order-1');
  const stranded = await theRun(t, api);
  t.is(stranded.status, 'queued', 'the discard failed with the send: the run is still recorded');
  t.is((await queue.depth()).visible, 0);

  clock.advance(SEND_CLAIM_MS + 1);
  const retry = await submitRun(api.store, queue, logger, 'acme', spec(), 'order-1');
  t.is(retry.run.id, stranded.id);
  t.false(retry.created);
  t.deepEqual(await messagesOn(queue), [messageForRun(stranded)]);
  await markSentLanded(api);

  clock.advance(GRACE_MS + 1);
  t.false((await submitRun(api.store, queue, logger, 'acme', spec(), 'order-1')).created);
  t.is(await sweeper(api).sweep(), 0);
  t.deepEqual(await messagesOn(queue), [], 'neither a later retry nor the sweeper queued it again');
});

test('the sweeper queues a run whose send failed and whose client never retried, once, after the grace', async (t) => {
  const { clock, queue, apis, sweeper } = await setUp(t);
  const api = apis[0]!;
  await submitAndLoseRedis(t, api);
  const stranded = await theRun(t, api);

  const sweeping = sweeper(api);
  clock.advance(GRACE_MS - 1_000);
  t.is(await sweeping.sweep(), 0, 'within the grace the send is left to its request');
  clock.advance(1_001);
  t.is(await sweeping.sweep(), 1);
  await markSentLanded(api);
  const messages = await messagesOn(queue);
  t.deepEqual(messages, [messageForRun(stranded)]);

  clock.advance(GRACE_MS + 1);
  t.is(await sweeping.sweep(), 0);
  t.deepEqual(await messagesOn(queue), []);
  t.is((await api.store.startAttempt(messages[0]!, 'w1')).kind, 'started', 'the message starts the run');
});

test('a run queued normally is never queued again by a sweep or a replay', async (t) => {
  const { clock, queue, apis, sweeper } = await setUp(t);
  const api = apis[0]!;
  const { run } = await submitRun(api.store, queue, logger, 'acme', spec(), 'order-2');
  await markSentLanded(api);
  clock.advance(GRACE_MS + 1);
  t.is(await sweeper(api).sweep(), 0);
  t.false((await submitRun(api.store, queue, logger, 'acme', spec(), 'order-2')).created);
  t.deepEqual(await messagesOn(queue), [messageForRun(run)]);
});

test('two API processes sweeping at once queue each stranded run once', async (t) => {
  const { clock, queue, apis, sweeper } = await setUp(t, 2);
  // Recorded with no send at all: what an API process that crashed right after the record leaves.
  const stranded = await Promise.all(Array.from({ length: 30 }, () => apis[0]!.store.create('acme', spec())));
  clock.advance(GRACE_MS + 1);
  const sweepers = apis.map((api) => sweeper(api));
  const sent = await Promise.all([...sweepers, ...sweepers].map((s) => s.sweep()));
  t.is(
    sent.reduce((a, b) => a + b, 0),
    stranded.length,
  );
  const messages = await messagesOn(queue);
  t.is(messages.length, stranded.length);
  t.deepEqual(new Set(messages.map((m) => m.runId)), new Set(stranded.map(({ run }) => run.id)));
});
