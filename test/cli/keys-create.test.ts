import test from 'ava';
import { Redis } from 'ioredis';
import { KeyStore } from '../../services/core/auth/key-store.js';
import { runAgentfleet } from '../support/cli.js';
import { startRedis, type TestRedis } from '../support/redis.js';

// `agentfleet keys create --tenant T` against a real Redis: the key is printed once, verifies as the
// tenant's, and only its hash is stored.

let redis: TestRedis;
let client: Redis;
test.before(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
});
test.after.always(async () => {
  client?.disconnect();
  await redis?.stop();
});

test('keys create prints a new key that verifies as the tenant\'s, and stores only its hash', async (t) => {
  const result = await runAgentfleet(['keys', 'create', '--tenant', 'acme', '--json'], { REDIS_URL: redis.url }, 60_000);
  t.is(result.code, 0, result.stderr);
  const created = JSON.parse(result.stdout) as { tenant: string; key: string };
  t.is(created.tenant, 'acme');
  t.true(created.key.length >= 40);

  t.is((await new KeyStore(client).verify(created.key))?.tenant, 'acme');
  const stored = await Promise.all(
    (await client.keys('*')).map(async (key) => `${key} ${(await client.type(key)) === 'hash' ? JSON.stringify(await client.hgetall(key)) : ((await client.get(key)) ?? '')}`),
  );
  t.true(stored.length > 0);
  t.false(stored.some((entry) => entry.includes(created.key)), 'the plain key is nowhere in Redis');

  const second = JSON.parse((await runAgentfleet(['keys', 'create', '--tenant', 'acme', '--json'], { REDIS_URL: redis.url }, 60_000)).stdout) as { key: string };
  t.not(second.key, created.key, 'every call makes a new key');
});

test('keys create refuses a malformed tenant by naming the flag, and says when Redis is unreachable', async (t) => {
  const bad = await runAgentfleet(['keys', 'create', '--tenant', 'no spaces please'], { REDIS_URL: redis.url }, 60_000);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /^agentfleet: --tenant: tenant "no spaces please" must be/);

  const unreachable = await runAgentfleet(['keys', 'create', '--tenant', 'acme'], { REDIS_URL: 'redis://127.0.0.1:1' }, 60_000);
  t.is(unreachable.code, 1);
  t.regex(unreachable.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
});
