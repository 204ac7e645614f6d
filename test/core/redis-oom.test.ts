import test from 'ava';
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../services/core/errors.js';
import { createLogger } from '../../services/core/logger.js';
import { createRedis, isRedisUnavailable, waitUntilReady } from '../../services/core/redis.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { startRedis } from '../support/redis.js';

// A full Redis (maxmemory reached, noeviction) refuses writes with an OOM reply: a capacity outage the
// API answers with 503 and Retry-After, like a Redis that is down, not a bug (500).

const spec: RunSpec = { agent: 'simulate', input: {}, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {} };

test('a write refused with OOM counts as Redis unavailable, and the run store reports DependencyUnavailableError', async (t) => {
  const server = await startRedis();
  t.teardown(() => server.stop());
  const admin = new Redis(server.url);
  t.teardown(() => admin.disconnect());
  await admin.config('SET', 'maxmemory-policy', 'noeviction');
  await admin.config('SET', 'maxmemory', '1');

  const redis = createRedis(server.url, { name: 'api', failFast: true, logger: createLogger('test', 'silent') });
  t.teardown(() => redis.disconnect());
  t.true(await waitUntilReady(redis, 10_000));

  const refused = await redis.set('probe', '1').then(
    () => undefined,
    (error: unknown) => error,
  );
  t.true(refused instanceof Error && refused.message.startsWith('OOM'), `the server refused the write: ${String(refused)}`);
  t.true(isRedisUnavailable(refused));

  const store = new RedisRunStore(redis, { retentionSeconds: 60, leaseSeconds: 30 });
  t.teardown(() => store.close());
  const error = await t.throwsAsync(store.create('acme', spec));
  t.true(error instanceof DependencyUnavailableError, String(error));
});
