import test from 'ava';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { POOL_NAMES, resourceNames } from '../../environments/index.js';
import { FleetSnapshotStore } from '../../services/core/fleet/fleet-snapshot.js';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { BullmqDriver } from '../../services/core/queue/bullmq-driver.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { awsClients, awsPools, type AwsEndpoint } from '../../services/scaler/adapters/aws-pools.js';
import { ScalerLoop } from '../../services/scaler/loop.js';
import { PolicyMemoryStore } from '../../services/scaler/memory-store.js';
import { policySettings, poolShape } from '../../services/scaler/policy/settings.js';
import { PrewarmStore } from '../../services/scaler/prewarm-store.js';
import { startMoto, type TestMoto } from '../support/moto.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBurstPools, createEc2Pools, describeGroup, describeService, motoEndpoint } from './helpers/aws-fleet.js';
import { configOf } from './helpers/policy-input.js';

/**
 * Whole ticks: queue depth through the BullMQ driver on a real Redis, the dev environment's pools on
 * moto_server, worker busy slots from the registry, the decision applied and published.
 *
 * moto's UpdateService marks every task RUNNING at once, so it cannot show Spot tasks that never
 * start. `burst-spot` is therefore created already asking for 4 tasks (moto leaves tasks of a newly
 * created service PENDING) and the policy's burst target is exactly 4, so the scaler never updates
 * it: its tasks stay pending, as when FARGATE_SPOT has no capacity.
 */
const config = configOf('dev');
const names = resourceNames('dev');
const logger = pino({ level: 'silent' });
const T0 = Date.parse('2026-03-04T10:00:00Z');

let redis: TestRedis;
let moto: TestMoto;
let aws: AwsEndpoint;
let client: Redis;
let queue: BullmqDriver;
let store: RedisRunStore;
let now = T0;

function loop(): ScalerLoop {
  return new ScalerLoop(
    {
      pools: awsPools(config, awsClients(aws)),
      queue,
      store,
      workers: new WorkerRegistry(client),
      prewarm: new PrewarmStore(client, config.name),
      memory: new PolicyMemoryStore(client),
      snapshots: new FleetSnapshotStore(client),
      logger,
      clock: () => now,
    },
    {
      settings: policySettings(config),
      schedules: config.scaling.prewarm,
      units: new Map(POOL_NAMES.map((name) => [name, poolShape(config, name)])),
      snapshotTtlMs: 60_000,
    },
  );
}

test.before(async () => {
  [redis, moto] = await Promise.all([startRedis(), startMoto()]);
  aws = motoEndpoint(moto.endpoint);
  await createEc2Pools(config, aws);
  await createBurstPools(config, aws, { 'burst-spot': 4 });
  client = new Redis(redis.url);
  queue = new BullmqDriver({ redisUrl: redis.url, queueName: 'scaler-tick', visibilitySeconds: 60, logger });
  store = new RedisRunStore(client, { retentionSeconds: 3600, leaseSeconds: 30 });
  // 40 runs waiting: 40 slots wanted; the dev pools hold 16 (Spot) + 4 (On-Demand) + 4 burst tasks.
  await queue.sendBatch(Array.from({ length: 40 }, (_, i) => JSON.stringify({ n: i })));
});

test.after.always(async () => {
  await queue?.close();
  await store?.close();
  client?.disconnect();
  await Promise.all([redis?.stop(), moto?.stop()]);
});

test.serial('a dry-run tick decides from the real queue depth but changes no pool and publishes nothing', async (t) => {
  const outcome = await loop().tick({ act: false });
  t.is(outcome.decision.queue.visible, 40);
  t.true(outcome.decision.changed);
  t.deepEqual(outcome.applied, []);
  t.is((await describeGroup(aws, names.pools.spot)).DesiredCapacity, 0);
  t.is(await new FleetSnapshotStore(client).read(), undefined);
});

test.serial('a tick resizes the ASGs from the queue depth and publishes the pools and its reasons for /v1/fleet', async (t) => {
  const outcome = await loop().tick({ act: true });
  t.deepEqual(outcome.applied.sort(), ['on-demand', 'spot']);
  t.is((await describeGroup(aws, names.pools.spot)).DesiredCapacity, 16);
  t.is((await describeGroup(aws, names.pools['on-demand'])).DesiredCapacity, 4);

  const snapshot = await new FleetSnapshotStore(client).read();
  t.deepEqual(
    snapshot?.pools.map((p) => [p.name, p.kind, p.desired, p.max]),
    [
      ['spot', 'ec2-spot', 16, 16],
      ['on-demand', 'ec2-on-demand', 4, 4],
      ['burst-spot', 'fargate-spot', 4, 4],
      ['burst-ondemand', 'fargate', 0, 4],
    ],
  );
  const decided = snapshot?.lastDecision as { pools: { name: string; reasons: { code: string }[] }[] } | undefined;
  t.true(decided?.pools.find((p) => p.name === 'spot')?.reasons.some((r) => r.code === 'max'));
});

test.serial('Fargate Spot tasks still pending after moveToOnDemandAfterSeconds move to burst-ondemand', async (t) => {
  now = T0 + 10_000;
  await loop().tick({ act: true });
  t.is((await describeService(aws, names.cluster, names.pools['burst-ondemand'])).desiredCount, 0);

  now = T0 + (config.scaling.burst.moveToOnDemandAfterSeconds + 15) * 1000;
  const outcome = await loop().tick({ act: true });
  t.true(outcome.applied.includes('burst-ondemand'));
  t.is((await describeService(aws, names.cluster, names.pools['burst-ondemand'])).desiredCount, 4);
  const spot = await describeService(aws, names.cluster, names.pools['burst-spot']);
  t.is(spot.desiredCount, 4);
  t.is(spot.runningCount, 0);
});

test.serial('the instances of busy workers are protected from scale-in by the tick', async (t) => {
  const instances = (await describeGroup(aws, names.pools.spot)).Instances ?? [];
  const busy = instances[0]?.InstanceId as string;
  const idle = instances[1]?.InstanceId as string;
  const registry = new WorkerRegistry(client);
  const base = { pool: 'spot', slots: 4, draining: false, breaker: 'closed' as const, startedAt: new Date().toISOString() };
  await registry.report({ ...base, id: 'w-busy', busy: 3, instanceId: busy });
  await registry.report({ ...base, id: 'w-idle', busy: 0, instanceId: idle });

  now += 15_000;
  await loop().tick({ act: true });
  const after = (await describeGroup(aws, names.pools.spot)).Instances ?? [];
  t.true(after.find((i) => i.InstanceId === busy)?.ProtectedFromScaleIn);
  t.false(after.find((i) => i.InstanceId === idle)?.ProtectedFromScaleIn);
  const snapshot = await new FleetSnapshotStore(client).read();
  t.like(snapshot?.pools.find((p) => p.name === 'spot'), { busySlots: 3, totalSlots: 8 });
});
