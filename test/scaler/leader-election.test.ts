import test from 'ava';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadEnvironment } from '../../environments/index.js';
import { loadConfig } from '../../services/core/config.js';
import { LeaderLease } from '../../services/scaler/leader.js';
import { startScaler, type RunningScaler } from '../../services/scaler/main.js';
import { startMoto, type TestMoto } from '../support/moto.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/ports.js';
import { createBurstPools, createEc2Pools, MOTO_CREDENTIALS, motoEndpoint } from './helpers/aws-fleet.js';

/** Two scaler replicas never both act: a Redis lease decides, and a lapsed lease stops the old holder. */

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

test('only one replica holds the lease; the other gets it once it is released', async (t) => {
  const a = new LeaderLease(client, 'a', 10_000, Date.now, 'lease:release');
  const b = new LeaderLease(client, 'b', 10_000, Date.now, 'lease:release');
  t.true(await a.acquireOrRenew());
  t.false(await b.acquireOrRenew());
  t.true(await a.acquireOrRenew(), 'the holder renews');
  t.true(a.holds());
  t.false(b.holds());
  await a.release();
  t.false(a.holds());
  t.true(await b.acquireOrRenew());
  t.is(await b.currentHolder(), 'b');
});

test('a holder that did not renew in time stops acting, and cannot renew or release the lease another replica took', async (t) => {
  let clock = 1_000_000;
  const a = new LeaderLease(client, 'a', 200, () => clock, 'lease:lapse');
  const b = new LeaderLease(client, 'b', 10_000, Date.now, 'lease:lapse');
  t.true(await a.acquireOrRenew());
  clock += 250;
  t.false(a.holds(), 'its own clock says the lease ran out');
  await waitFor(async () => (await client.exists('lease:lapse')) === 0, 'the lease to lapse in Redis', 5_000);
  t.true(await b.acquireOrRenew());
  t.false(await a.acquireOrRenew(), 'the old holder cannot take it back');
  await a.release();
  t.is(await client.get('lease:lapse'), 'b', 'nor delete it');
});

test('two scaler services on the same Redis: exactly one leads, and the other takes over when it stops', async (t) => {
  const moto: TestMoto = await startMoto();
  t.teardown(() => moto.stop());
  const config = loadEnvironment('dev');
  await createEc2Pools(config, motoEndpoint(moto.endpoint));
  await createBurstPools(config, motoEndpoint(moto.endpoint));
  const platform = loadConfig({ REDIS_URL: redis.url, AWS_ENDPOINT_URL: moto.endpoint, QUEUE_NAME: 'two-replicas' });
  const options = { dryRun: false, process: { SCALER_TICK_SECONDS: 0.5 }, awsCredentials: MOTO_CREDENTIALS };
  const logger = pino({ level: 'silent' });

  const replicas: RunningScaler[] = [await startScaler(platform, config, logger, options), await startScaler(platform, config, logger, options)];
  const leaders = async () => (await Promise.all(replicas.map(async (r) => (await leaderGauge(r)) === 1))).filter(Boolean).length;
  const leaderIndex = async () => (await Promise.all(replicas.map(leaderGauge))).indexOf(1);

  await waitFor(async () => (await leaders()) === 1, 'one replica to lead', 20_000);
  // Several more ticks: never two leaders, always one.
  for (let i = 0; i < 6; i++) {
    t.is(await leaders(), 1);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const first = await leaderIndex();
  const exposition = await replicas[first]?.metrics.metrics();
  t.regex(exposition ?? '', /agentfleet_scaler_pool_desired\{pool="spot",service="scaler"\} \d+/);
  t.regex(exposition ?? '', /agentfleet_scaler_tick_duration_seconds_count\{service="scaler"\} [1-9]/);
  const [stopping] = replicas.splice(first, 1);
  await stopping?.stop();
  await waitFor(async () => (await leaders()) === 1, 'the other replica to take over', 20_000);
  await replicas[0]?.stop();
  t.pass();
});

async function leaderGauge(replica: RunningScaler): Promise<number> {
  const metric = await replica.metrics.getSingleMetric('agentfleet_scaler_leader')?.get();
  return metric?.values[0]?.value ?? 0;
}
