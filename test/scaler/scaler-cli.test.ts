import test from 'ava';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadEnvironment, nominalSlots, resourceNames } from '../../environments/index.js';
import { BullmqDriver } from '../../services/core/queue/bullmq-driver.js';
import { PrewarmStore } from '../../services/scaler/prewarm-store.js';
import { whatIf } from '../../services/scaler/what-if.js';
import { runAgentfleet } from '../support/cli.js';
import { startMoto, type TestMoto } from '../support/moto.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { createBurstPools, createEc2Pools, describeGroup, MOTO_CREDENTIALS, motoEndpoint } from './helpers/aws-fleet.js';
import { pool, sizes } from './helpers/decision.js';

/** `agentfleet scaler decide|prewarm|tick` as a user runs them (DESIGN §3). */
const agentfleet = (args: string[], env: NodeJS.ProcessEnv = {}) => runAgentfleet(args, env, 60_000);

let redis: TestRedis;
let moto: TestMoto;

test.before(async () => {
  [redis, moto] = await Promise.all([startRedis(), startMoto()]);
});

test.after.always(async () => {
  await Promise.all([redis?.stop(), moto?.stop()]);
});

test('scaler decide --env prod --policy step --visible 1200 --current spot=20,on-demand=30 --json prints the brief’s answer with reasons, offline', async (t) => {
  // No Redis, no AWS: both point nowhere.
  const result = await agentfleet(
    ['scaler', 'decide', '--env', 'prod', '--policy', 'step', '--visible', '1200', '--current', 'spot=20,on-demand=30', '--at', '2026-03-04T10:00:00Z', '--json'],
    { REDIS_URL: 'redis://127.0.0.1:1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1' },
  );
  t.is(result.code, 0, result.stderr);
  const decision = JSON.parse(result.stdout);
  t.like(decision, { environment: 'prod', policy: 'step', rule: { visibleAbove: 1000, addInstances: 100, enableBurst: true }, changed: true });
  const byName = Object.fromEntries(decision.pools.map((p: { name: string }) => [p.name, p]));
  // Instances follow the brief's rule (+100); slots and the burst bridge follow the deployed agents' footprint.
  const prod = loadEnvironment('prod');
  const perInstance = nominalSlots(prod.pools.spot);
  const expected = whatIf(prod, { visible: 1200, inFlight: 0, current: { spot: 20, 'on-demand': 30 }, at: new Date('2026-03-04T10:00:00Z'), policy: 'step' });
  t.like(byName.spot, { currentInstances: 20, desiredInstances: 120, currentSlots: 20 * perInstance, desiredSlots: 120 * perInstance });
  t.like(byName['on-demand'], { currentInstances: 30, desiredInstances: 30 });
  t.like(byName['burst-spot'], { current: 0, desired: sizes(expected)['burst-spot'], unit: 'tasks' });
  t.true(byName['burst-spot'].desired > 0, 'Fargate bridges while EC2 boots');
  t.true(byName.spot.reasons.some((r: { code: string }) => r.code === 'step-rule'));
  t.is(decision.memory, undefined);
});

test('scaler decide prints a table of current → desired per pool, with the reasons', async (t) => {
  const result = await agentfleet(['scaler', 'decide', '--env', 'prod', '--policy', 'step', '--visible', '150', '--current', 'spot=20,on-demand=30', '--at', '2026-03-07T13:00:00Z']);
  t.is(result.code, 0, result.stderr);
  const perInstance = nominalSlots(loadEnvironment('prod').pools.spot);
  t.regex(result.stdout, new RegExp(`spot\\s+20 → 30 instances\\s+${20 * perInstance} → ${30 * perInstance} slots\\s+change`));
  t.regex(result.stdout, /on-demand\s+30 → 30 instances/);
  t.regex(result.stdout, /step-rule\s+visible 150 > 100: \+10 instances/);
});

test('scaler decide names the flag of a bad value and exits 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--visible', '-5'], /--visible: expected a whole number/],
    [['--visible', '5', '--current', 'spot=x'], /--current spot: expected a whole number/],
    [['--visible', '5', '--current', 'gpu=3'], /--current: unknown pool "gpu"/],
    [['--visible', '5', '--at', 'tomorrow'], /--at: expected an ISO time/],
    [['--visible', '5', '--policy', 'magic'], /--policy: expected step or backlog/],
    [['--visible', '5', '--env', 'qa'], /--env: unknown environment "qa"/],
  ];
  for (const [args, message] of cases) {
    const result = await agentfleet(['scaler', 'decide', '--env', 'prod', ...args]);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, message);
  }
});

test('scaler prewarm writes a floor with an expiry that the running scaler reads; a floor above the pool’s max is refused', async (t) => {
  const before = Date.now();
  const result = await agentfleet(['scaler', 'prewarm', '--env', 'prod', '--min', '50', '--for', '30m', '--json'], { REDIS_URL: redis.url });
  t.is(result.code, 0, result.stderr);
  t.like(JSON.parse(result.stdout), { environment: 'prod', pool: 'spot', min: 50 });

  const client = new Redis(redis.url);
  t.teardown(() => client.disconnect());
  const floors = await new PrewarmStore(client, 'prod').active(Date.now());
  t.deepEqual(await new PrewarmStore(client, 'dev').active(Date.now()), [], 'a prod floor does not touch dev');
  t.is(floors.length, 1);
  t.like(floors[0], { pool: 'spot', instances: 50, source: 'prewarm' });
  t.true((floors[0]?.until ?? 0) >= before + 30 * 60_000);
  t.deepEqual(await new PrewarmStore(client, 'prod').active(before + 31 * 60_000), [], 'the floor lapses after 30 minutes');

  const tooMany = await agentfleet(['scaler', 'prewarm', '--env', 'prod', '--min', '500'], { REDIS_URL: redis.url });
  t.is(tooMany.code, 2);
  t.regex(tooMany.stderr, /--min: 500 exceeds pools\.spot\.max \(200\)/);
  const badDuration = await agentfleet(['scaler', 'prewarm', '--env', 'prod', '--min', '5', '--for', 'soon'], { REDIS_URL: redis.url });
  t.regex(badDuration.stderr, /--for: expected a duration/);
});

test('scaler tick --dry-run prints the decision and changes nothing; scaler tick applies it', async (t) => {
  const config = loadEnvironment('dev');
  const aws = motoEndpoint(moto.endpoint);
  await createEc2Pools(config, aws);
  await createBurstPools(config, aws);
  const queueName = 'cli-tick';
  const queue = new BullmqDriver({ redisUrl: redis.url, queueName, visibilitySeconds: 60, logger: pino({ level: 'silent' }) });
  t.teardown(() => queue.close());
  await queue.sendBatch(Array.from({ length: 10 }, (_, i) => JSON.stringify({ n: i })));
  const env = {
    REDIS_URL: redis.url,
    QUEUE_NAME: queueName,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
  };
  const spotGroup = resourceNames('dev').pools.spot;

  const dry = await agentfleet(['scaler', 'tick', '--env', 'dev', '--dry-run', '--json'], env);
  t.is(dry.code, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout);
  t.like(planned, { dryRun: true, applied: [], queue: { visible: 10 } });
  // What the policy decides for 10 waiting runs on empty dev pools, in slots of the deployed footprint.
  const expectedSpot = pool(whatIf(config, { visible: 10, inFlight: 0, current: {}, at: new Date() }), 'spot').desired;
  t.true(expectedSpot >= 8, `10 runs want at least their 70 % Spot share, got ${expectedSpot} slots`);
  t.is(planned.pools.find((p: { name: string }) => p.name === 'spot').desired, expectedSpot);
  t.is((await describeGroup(aws, spotGroup)).DesiredCapacity, 0);

  const real = await agentfleet(['scaler', 'tick', '--env', 'dev'], env);
  t.is(real.code, 0, real.stderr);
  t.regex(real.stdout, /applied: .*spot/);
  t.is((await describeGroup(aws, spotGroup)).DesiredCapacity, expectedSpot);
});
