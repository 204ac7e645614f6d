import test from 'ava';
import { Redis } from 'ioredis';
import { CachedKeyVerifier } from '../../services/api/key-verifier.js';
import {
  API_KEY_PREFIX,
  ApiKeyConflictError,
  InvalidApiKeyError,
  InvalidTenantError,
  KeyStore,
  hashApiKey,
} from '../../services/core/auth/key-store.js';
import { DependencyUnavailableError } from '../../services/core/errors.js';
import { createLogger } from '../../services/core/logger.js';
import { createRedis, waitUntilReady } from '../../services/core/redis.js';
import { startRedis, type TestRedis } from '../support/redis.js';

let server: TestRedis;
let redis: Redis;
let keys: KeyStore;

test.before(async () => {
  server = await startRedis();
  redis = createRedis(server.url, { name: 'test', failFast: true, logger: createLogger('test', 'silent') });
  if (!(await waitUntilReady(redis, 15_000))) throw new Error('test redis did not become ready');
  keys = new KeyStore(redis);
});

test.after.always(async () => {
  redis?.disconnect();
  await server?.stop();
});

test('a created key verifies as its tenant, and is new each time', async (t) => {
  const first = await keys.create('acme');
  const second = await keys.create('acme');
  t.true(first.key.startsWith(API_KEY_PREFIX));
  t.not(first.key, second.key);
  t.is(await keys.verify(first.key), 'acme');
  t.is(await keys.verify(second.key), 'acme');
});

test('only the hash of a key is stored, never the key itself', async (t) => {
  const { key } = await keys.create('hash-check');
  const stored = await redis.keys('af:apikey:*');
  t.true(stored.includes(`af:apikey:${hashApiKey(key)}`));
  for (const name of stored) {
    t.false(name.includes(key));
    t.false((await redis.get(name))?.includes(key) ?? false);
  }
});

test('an unknown key verifies as nobody', async (t) => {
  t.is(await keys.verify('af_this-key-was-never-created'), undefined);
});

test('registering a bootstrap key twice for the same tenant is harmless', async (t) => {
  await keys.register('dev', 'dev-key-0123456789abcdef');
  await keys.register('dev', 'dev-key-0123456789abcdef');
  t.is(await keys.verify('dev-key-0123456789abcdef'), 'dev');
});

test('a key registered to one tenant is never moved to another', async (t) => {
  await keys.register('owner', 'shared-key-0123456789');
  await t.throwsAsync(keys.register('intruder', 'shared-key-0123456789'), { instanceOf: ApiKeyConflictError });
  t.is(await keys.verify('shared-key-0123456789'), 'owner');
});

test('bad tenants and short keys are refused with a clear error', async (t) => {
  await t.throwsAsync(keys.create(''), { instanceOf: InvalidTenantError });
  await t.throwsAsync(keys.create('has space'), { instanceOf: InvalidTenantError });
  await t.throwsAsync(keys.register('ok', 'short'), { instanceOf: InvalidApiKeyError, message: /at least 16/ });
});

test('the cache answers a verified key without Redis until its time is up', async (t) => {
  let now = 1_000_000;
  const verifier = new CachedKeyVerifier(keys, () => now, { ttlMs: 30_000 });
  const { key } = await keys.create('cached');
  t.is(await verifier.verify(key), 'cached');
  // Revoke behind the cache's back: the cached answer stands until the TTL passes (documented trade-off).
  await redis.del(`af:apikey:${hashApiKey(key)}`);
  now += 29_000;
  t.is(await verifier.verify(key), 'cached');
  now += 2_000;
  t.is(await verifier.verify(key), undefined);
});

test('the cache never remembers an unknown key, so a key created just after a miss works at once', async (t) => {
  const verifier = new CachedKeyVerifier(keys, () => 0);
  t.is(await verifier.verify('late-key-0123456789abc'), undefined);
  await keys.register('late', 'late-key-0123456789abc');
  t.is(await verifier.verify('late-key-0123456789abc'), 'late');
});

test('the cache stays within its bound, dropping the oldest key first', async (t) => {
  const verifier = new CachedKeyVerifier(keys, () => 0, { maxEntries: 2 });
  const created = await Promise.all([keys.create('bound'), keys.create('bound'), keys.create('bound')]);
  for (const { key } of created) await verifier.verify(key);
  await redis.del(...created.map(({ key }) => `af:apikey:${hashApiKey(key)}`));
  t.is(await verifier.verify(created[0]!.key), undefined, 'the oldest entry was evicted and Redis no longer knows it');
  t.is(await verifier.verify(created[2]!.key), 'bound', 'the newest entry is still cached');
});

test('with Redis unreachable, verifying an uncached key is a DependencyUnavailableError, not a hang', async (t) => {
  const down = createRedis('redis://127.0.0.1:1', { name: 'test-down', failFast: true, logger: createLogger('test', 'silent') });
  t.teardown(() => down.disconnect());
  await t.throwsAsync(new KeyStore(down).verify('any-key-0123456789abc'), { instanceOf: DependencyUnavailableError });
});
