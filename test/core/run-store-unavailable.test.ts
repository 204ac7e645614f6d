import test from 'ava';
import { DependencyUnavailableError } from '../../services/core/errors.js';
import { createLogger } from '../../services/core/logger.js';
import { createRedis, waitUntilReady } from '../../services/core/redis.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { waitFor } from '../support/ports.js';
import { startRedis } from '../support/redis.js';

// Redis going away: the API's fail-fast store answers with a typed error instead of hanging, and a
// worker's patient store finishes its write once Redis is back. Tests run one after another because
// they take the file's Redis down.

const spec: RunSpec = { agent: 'simulate', input: {}, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {} };
const logger = createLogger('test', 'silent');

/** Fails the test instead of letting a hung call run into AVA's global timeout. */
async function settles<T>(promise: Promise<T>, what: string, ms = 20_000): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms (hung)`)), ms);
  });
  try {
    const [result] = await Promise.race([Promise.allSettled([promise]), guard]);
    return result as PromiseSettledResult<T>;
  } finally {
    clearTimeout(timer);
  }
}

test.serial('with Redis down every call of a fail-fast store rejects with DependencyUnavailableError, and works again once Redis is back', async (t) => {
  const server = await startRedis();
  t.teardown(() => server.stop());
  const redis = createRedis(server.url, { name: 'api', failFast: true, logger });
  t.teardown(() => redis.disconnect());
  t.true(await waitUntilReady(redis, 10_000));
  const store = new RedisRunStore(redis, { retentionSeconds: 60, leaseSeconds: 30 });
  t.teardown(() => store.close());
  const { run } = await store.create('acme', spec);

  await server.kill();
  const calls: [string, Promise<unknown>][] = [
    ['create', store.create('acme', spec, { idempotencyKey: 'k' })],
    ['get', store.get('acme', run.id)],
    ['list', store.list('acme', { limit: 10 })],
    ['requestCancel', store.requestCancel('acme', run.id)],
    ['discard', store.discard(run)],
    ['startAttempt', store.startAttempt(messageForRun(run), 'w1')],
    ['heartbeat', store.heartbeat({ runId: run.id, attempt: 1, token: 'x' })],
    ['appendEvent', store.appendEvent(run.id, 'log', {})],
    ['readEvents', store.readEvents(run.id)],
    ['oldestQueuedAgeSeconds', store.oldestQueuedAgeSeconds()],
    ['ping', store.ping()],
  ];
  for (const [name, call] of calls) {
    const result = await settles(call, name);
    t.is(result.status, 'rejected', name);
    if (result.status === 'rejected') t.true(result.reason instanceof DependencyUnavailableError, `${name}: ${String(result.reason)}`);
  }

  await server.restart();
  await waitFor(() => store.ping().then(() => true), 'the store to reach Redis again', 30_000);
  t.true((await store.create('acme', spec)).created);
});

test.serial("a patient (worker) store's finish waits out an outage and lands once Redis is back", async (t) => {
  const server = await startRedis();
  t.teardown(() => server.stop());
  const redis = createRedis(server.url, { name: 'worker', failFast: false, logger });
  t.teardown(() => redis.disconnect());
  const store = new RedisRunStore(redis, { retentionSeconds: 60, leaseSeconds: 30 });
  t.teardown(() => store.close());
  const { run } = await store.create('acme', spec);
  const started = await store.startAttempt(messageForRun(run), 'w1');
  if (started.kind !== 'started') return t.fail(started.kind);

  // A restart without persistence loses the data set and the script cache: the finish must still
  // land (its script is reloaded), restoring the lost record from the run as the lease's holder last
  // wrote it (DESIGN §6). With persistence (AOF, as in production) the record survives anyway.
  await server.kill();
  const finishing = store.finishAttempt(started.lease, { outcome: 'succeeded', result: 'kept' });
  await server.restart();
  const result = await settles(finishing, 'finishAttempt across the outage', 60_000);
  t.is(result.status, 'fulfilled');
  if (result.status === 'fulfilled') t.like(result.value, { kind: 'done', run: { status: 'succeeded', result: 'kept' } });
  t.like(await store.get('acme', run.id), { status: 'succeeded', result: 'kept', attempts: [{ worker: 'w1', outcome: 'succeeded' }] });
  t.true((await store.create('acme', spec)).created);
});
