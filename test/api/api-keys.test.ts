import test from 'ava';
import { Redis } from 'ioredis';
import { CachedKeyVerifier, type KeyCacheOptions } from '../../services/api/key-verifier.js';
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
  t.like(await keys.verify(first.key), { id: first.id, tenant: 'acme' });
  t.like(await keys.verify(second.key), { id: second.id, tenant: 'acme' });
  t.regex(first.id, /^key_[0-9a-f]{16}$/);
  t.not(first.id, second.id);
});

test('only the hash of a key is stored, never the key itself', async (t) => {
  const { key } = await keys.create('hash-check');
  const stored = await redis.keys('af:apikey*');
  t.true(stored.includes(`af:apikey:${hashApiKey(key)}`));
  for (const name of stored) {
    t.false(name.includes(key));
    const value = (await redis.type(name)) === 'hash' ? JSON.stringify(await redis.hgetall(name)) : await redis.get(name);
    t.false(value?.includes(key) ?? false);
  }
});

test('an unknown key verifies as nobody', async (t) => {
  t.is(await keys.verify('af_this-key-was-never-created'), undefined);
});

test('registering a bootstrap key twice for the same tenant is harmless', async (t) => {
  await keys.register('dev', 'dev-key-0123456789abcdef');
  const first = await keys.verify('dev-key-0123456789abcdef');
  await keys.register('dev', 'dev-key-0123456789abcdef');
  t.like(await keys.verify('dev-key-0123456789abcdef'), { tenant: 'dev', id: first?.id });
  t.is((await keys.list('dev')).length, 1);
});

test('a key registered to one tenant is never moved to another', async (t) => {
  await keys.register('owner', 'shared-key-0123456789');
  await t.throwsAsync(keys.register('intruder', 'shared-key-0123456789'), { instanceOf: ApiKeyConflictError });
  t.is((await keys.verify('shared-key-0123456789'))?.tenant, 'owner');
});

test('bad tenants and short keys are refused with a clear error', async (t) => {
  await t.throwsAsync(keys.create(''), { instanceOf: InvalidTenantError });
  await t.throwsAsync(keys.create('has space'), { instanceOf: InvalidTenantError });
  await t.throwsAsync(keys.register('ok', 'short'), { instanceOf: InvalidApiKeyError, message: /at least 16/ });
});

/** A verifier over the real store whose revocation subscription is up (as KeyRevocationListener would have it). */
function listeningVerifier(now: () => number, options: KeyCacheOptions = {}): CachedKeyVerifier {
  const verifier = new CachedKeyVerifier(keys, now, undefined, options);
  verifier.listening(true);
  return verifier;
}

test('the cache answers a verified key without Redis until its time is up', async (t) => {
  let now = 1_000_000;
  const verifier = listeningVerifier(() => now, { ttlMs: 30_000 });
  const { key } = await keys.create('cached');
  t.is((await verifier.verify(key))?.tenant, 'cached');
  // Deleted behind the cache's back, with no revocation message: the cached answer stands until the TTL passes.
  await redis.del(`af:apikey:${hashApiKey(key)}`);
  now += 29_000;
  t.is((await verifier.verify(key))?.tenant, 'cached');
  now += 2_000;
  t.is(await verifier.verify(key), undefined);
});

test('a revocation drops the key from the cache at once', async (t) => {
  const verifier = listeningVerifier(() => 0);
  const created = await keys.create('revoked-tenant');
  t.is((await verifier.verify(created.key))?.tenant, 'revoked-tenant');
  t.like(await keys.revoke(created.id), { id: created.id, tenant: 'revoked-tenant' });
  verifier.revoked(created.id);
  t.is(await verifier.verify(created.key), undefined);
  t.is(await keys.revoke(created.id), undefined, 'revoking twice finds nothing the second time');
});

test('while revocations are not being heard, nothing is cached: every request asks Redis', async (t) => {
  const verifier = listeningVerifier(() => 0);
  const { key } = await keys.create('deaf');
  t.is((await verifier.verify(key))?.tenant, 'deaf');
  verifier.listening(false);
  await redis.del(`af:apikey:${hashApiKey(key)}`);
  t.is(await verifier.verify(key), undefined, 'the cache was emptied when the subscription dropped');
});

test('a lookup that overlaps a revocation does not cache its answer', async (t) => {
  const created = await keys.create('overlap');
  // The revocation arrives while the GET is on its way back: the answer may predate it.
  const revokeDuringLookup = { verifier: undefined as CachedKeyVerifier | undefined };
  const slowStore = {
    verify: async (key: string) => {
      const identity = await keys.verify(key);
      revokeDuringLookup.verifier?.revoked(created.id);
      return identity;
    },
    touch: async () => undefined,
  };
  const verifier = new CachedKeyVerifier(slowStore, () => 0);
  revokeDuringLookup.verifier = verifier;
  verifier.listening(true);
  t.is((await verifier.verify(created.key))?.tenant, 'overlap');
  await redis.del(`af:apikey:${hashApiKey(created.key)}`);
  t.is(await verifier.verify(created.key), undefined, 'the overlapping answer was not cached');
});

test('the cache never remembers an unknown key, so a key created just after a miss works at once', async (t) => {
  const verifier = listeningVerifier(() => 0);
  t.is(await verifier.verify('late-key-0123456789abc'), undefined);
  await keys.register('late', 'late-key-0123456789abc');
  t.is((await verifier.verify('late-key-0123456789abc'))?.tenant, 'late');
});

test('the cache stays within its bound, dropping the oldest key first', async (t) => {
  const verifier = listeningVerifier(() => 0, { maxEntries: 2 });
  const created = await Promise.all([keys.create('bound'), keys.create('bound'), keys.create('bound')]);
  for (const { key } of created) await verifier.verify(key);
  await redis.del(...created.map(({ key }) => `af:apikey:${hashApiKey(key)}`));
  t.is(await verifier.verify(created[0]!.key), undefined, 'the oldest entry was evicted and Redis no longer knows it');
  t.is((await verifier.verify(created[2]!.key))?.tenant, 'bound', 'the newest entry is still cached');
});

test('last use is recorded at most once a minute per key, and list shows it without the key', async (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const verifier = listeningVerifier(() => now);
  const created = await keys.create('used');
  const lastUsed = async () => (await keys.list('used')).find((summary) => summary.id === created.id)?.lastUsedAt;
  t.is(await lastUsed(), null);
  await verifier.verify(created.key);
  await waitFor(async () => (await lastUsed()) === '2026-01-01T00:00:00.000Z');
  now += 30_000;
  await verifier.verify(created.key);
  now += 20_000;
  await verifier.verify(created.key);
  t.is(await lastUsed(), '2026-01-01T00:00:00.000Z', 'not written again within the minute');
  now += 15_000;
  await verifier.verify(created.key);
  await waitFor(async () => (await lastUsed()) === '2026-01-01T00:01:05.000Z');
  const listed = JSON.stringify(await keys.list());
  t.false(listed.includes(created.key));
  t.false(listed.includes(hashApiKey(created.key)));
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('with Redis unreachable, verifying an uncached key is a DependencyUnavailableError, not a hang', async (t) => {
  const down = createRedis('redis://127.0.0.1:1', { name: 'test-down', failFast: true, logger: createLogger('test', 'silent') });
  t.teardown(() => down.disconnect());
  await t.throwsAsync(new KeyStore(down).verify('any-key-0123456789abc'), { instanceOf: DependencyUnavailableError });
});
