import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Redis } from 'ioredis';
import { DependencyUnavailableError } from '../../services/core/errors.js';
import { createLogger } from '../../services/core/logger.js';
import { createRedis, isRedisUnavailable, waitUntilReady } from '../../services/core/redis.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { freePort, waitFor } from '../support/ports.js';

// A Redis that cannot persist refuses writes with a MISCONF reply (stop-writes-on-bgsave-error). That
// is an outage of the dependency (the API answers 503), not a bug (500). The server here is made to
// fail its snapshot for real: its working directory is deleted under it, then BGSAVE runs. (Making the
// directory unwritable would not do: tests may run as root, who can write anywhere.)

const spec: RunSpec = { agent: 'simulate', input: {}, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {} };
const logger = createLogger('test', 'silent');

/** A redis-server with a save point (MISCONF only applies when snapshots are configured) whose last BGSAVE failed. */
async function startRedisThatCannotPersist(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-misconf-'));
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '3600 1', '--appendonly', 'no', '--stop-writes-on-bgsave-error', 'yes'],
    { stdio: 'ignore' },
  );
  const stop = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', stop);
  const admin = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  admin.on('error', () => {});
  try {
    await waitFor(async () => {
      if (admin.status !== 'ready') await admin.connect();
      return (await admin.ping()) === 'PONG';
    }, `redis-server on port ${port}`);
    rmSync(dir, { recursive: true, force: true });
    await admin.bgsave();
    await waitFor(async () => /rdb_last_bgsave_status:err/.test(await admin.info('persistence')), 'the snapshot to fail', 30_000);
  } finally {
    admin.disconnect();
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}

test('a write refused with MISCONF counts as Redis unavailable, and the run store reports it as DependencyUnavailableError while reads still work', async (t) => {
  const server = await startRedisThatCannotPersist();
  t.teardown(() => server.stop());
  const redis = createRedis(server.url, { name: 'api', failFast: true, logger });
  t.teardown(() => redis.disconnect());
  t.true(await waitUntilReady(redis, 10_000));

  const refused = await redis.set('probe', '1').then(
    () => undefined,
    (error: unknown) => error,
  );
  t.true(refused instanceof Error && refused.message.startsWith('MISCONF'), `the server refused the write: ${String(refused)}`);
  t.true(isRedisUnavailable(refused));

  const store = new RedisRunStore(redis, { retentionSeconds: 60, leaseSeconds: 30 });
  t.teardown(() => store.close());
  const error = await t.throwsAsync(store.create('acme', spec));
  t.true(error instanceof DependencyUnavailableError, String(error));
  t.is((error as DependencyUnavailableError).dependency, 'redis');
  t.is(await store.get('acme', 'no-such-run'), undefined);
});

test('an error reply to a malformed command on that same server is still a bug, not an outage', async (t) => {
  const server = await startRedisThatCannotPersist();
  t.teardown(() => server.stop());
  const redis = createRedis(server.url, { name: 'api', failFast: true, logger });
  t.teardown(() => redis.disconnect());
  t.true(await waitUntilReady(redis, 10_000));

  const malformed = await redis.call('GET').then(
    () => undefined,
    (error: unknown) => error,
  );
  t.true(malformed instanceof Error, 'GET without a key is refused');
  t.false(isRedisUnavailable(malformed));
});
