import test from 'ava';
import { resourceNames } from '../../environments/index.js';
import { awsClients, awsPools, type AwsEndpoint } from '../../services/scaler/adapters/aws-pools.js';
import type { AsgPool } from '../../services/scaler/adapters/asg.js';
import type { CapacityPool } from '../../services/scaler/adapters/pool.js';
import { startMoto, type TestMoto } from '../support/moto.js';
import { waitFor } from '../support/ports.js';
import { createBurstPools, createEc2Pools, describeGroup, describeService, motoEndpoint } from './helpers/aws-fleet.js';
import { configOf } from './helpers/policy-input.js';

/** The ASG and ECS adapters against moto_server, on the dev environment's pools (m6g.large = 4 slots). */
const config = configOf('dev');
const names = resourceNames('dev');
let moto: TestMoto;
let aws: AwsEndpoint;
let pools: Map<string, CapacityPool>;

test.before(async () => {
  moto = await startMoto();
  aws = motoEndpoint(moto.endpoint);
  await createEc2Pools(config, aws);
  await createBurstPools(config, aws);
  pools = new Map(awsPools(config, awsClients(aws)).map((pool) => [pool.name, pool]));
});

test.after.always(async () => {
  await moto?.stop();
});

function poolNamed(name: string): CapacityPool {
  const pool = pools.get(name);
  if (!pool) throw new Error(`no pool ${name}`);
  return pool;
}

test.serial('setting an ASG’s desired capacity (in slots) launches weighted instances that the adapter counts in slots', async (t) => {
  const spot = poolNamed('spot');
  await spot.setDesired(12);
  await waitFor(async () => (await spot.observe()).running === 12, 'three 4-slot instances in service', 30_000);
  const observed = await spot.observe();
  t.deepEqual(observed, { desired: 12, running: 12, pending: 0, min: 0, max: 16 });
  const group = await describeGroup(aws, names.pools.spot);
  t.is(group.Instances?.length, 3);
});

test.serial('busy instances are protected and survive a scale-in; idle ones lose their protection', async (t) => {
  const spot = poolNamed('spot') as AsgPool;
  await spot.setDesired(16);
  await waitFor(async () => (await describeGroup(aws, names.pools.spot)).Instances?.length === 4, 'four instances', 30_000);
  const ids = ((await describeGroup(aws, names.pools.spot)).Instances ?? []).map((i) => i.InstanceId as string);
  // moto removes unprotected instances in launch order: protecting the first two shows protection works.
  const busy = new Set(ids.slice(0, 2));

  await spot.protectBusy(busy);
  const protectedIds = ((await describeGroup(aws, names.pools.spot)).Instances ?? []).filter((i) => i.ProtectedFromScaleIn).map((i) => i.InstanceId);
  t.deepEqual(protectedIds.sort(), [...busy].sort());

  await spot.setDesired(8);
  await waitFor(async () => (await describeGroup(aws, names.pools.spot)).Instances?.length === 2, 'two instances left', 30_000);
  const survivors = ((await describeGroup(aws, names.pools.spot)).Instances ?? []).map((i) => i.InstanceId);
  t.deepEqual(survivors.sort(), [...busy].sort());

  await spot.protectBusy(new Set());
  const stillProtected = ((await describeGroup(aws, names.pools.spot)).Instances ?? []).filter((i) => i.ProtectedFromScaleIn);
  t.is(stillProtected.length, 0);
});

test.serial('the On-Demand group is a separate ASG with its own bounds', async (t) => {
  const onDemand = poolNamed('on-demand');
  await onDemand.setDesired(4);
  const observed = await onDemand.observe();
  t.is(observed.desired, 4);
  t.is(observed.max, 4);
  t.is((await poolNamed('spot').observe()).desired, 8);
});

test.serial('ECS desired counts move for both burst services, within the config’s bounds', async (t) => {
  const burstSpot = poolNamed('burst-spot');
  const burstOnDemand = poolNamed('burst-ondemand');
  await burstSpot.setDesired(3);
  await burstOnDemand.setDesired(1);
  t.like(await burstSpot.observe(), { desired: 3, min: 0, max: 4 });
  t.is((await describeService(aws, names.cluster, names.pools['burst-spot'])).desiredCount, 3);
  t.is((await describeService(aws, names.cluster, names.pools['burst-ondemand'])).desiredCount, 1);
  await burstSpot.setDesired(0);
  t.is((await burstSpot.observe()).desired, 0);
});

test('a pool whose resource does not exist fails with PoolNotFoundError naming it', async (t) => {
  const other = awsPools(configOf('staging'), awsClients(aws));
  const spot = other.find((p) => p.name === 'spot') as CapacityPool;
  const burst = other.find((p) => p.name === 'burst-spot') as CapacityPool;
  await t.throwsAsync(spot.observe(), { name: 'PoolNotFoundError', message: /agentfleet-staging-spot/ });
  await t.throwsAsync(burst.observe(), { name: 'PoolNotFoundError', message: /agentfleet-staging-burst-spot/ });
});
