import test from 'ava';
import { Redis } from 'ioredis';
import { loadEnvironment } from '../../environments/index.js';
import { PrewarmStore } from '../../services/scaler/prewarm-store.js';
import { runAgentfleet } from '../support/cli.js';
import { startRedis, type TestRedis } from '../support/redis.js';

// `agentfleet scaler prewarm --schedule NAME`, as the pre-warm workflow runs it (inside the VPC, via
// scripts/prewarm-ecs.sh): the floor and the pools come from the environment's config.

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

test.serial('--schedule writes the schedule\'s floor on each of its pools, for the time given', async (t) => {
  const schedule = loadEnvironment('prod').scaling.prewarm.find((s) => s.name === 'weekday-morning');
  if (!schedule) throw new Error('prod has no weekday-morning schedule');
  const before = Date.now();
  const result = await runAgentfleet(['scaler', 'prewarm', '--env', 'prod', '--schedule', 'weekday-morning', '--for', '30m', '--json'], { REDIS_URL: redis.url });
  t.is(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as { environment: string; schedule: string; until: string; floors: { pool: string; min: number }[] };
  t.like(printed, { environment: 'prod', schedule: 'weekday-morning' });
  t.deepEqual(printed.floors, schedule.pools.map((pool) => ({ pool, min: schedule.minInstances })));

  const floors = await new PrewarmStore(client, 'prod').active(Date.now());
  t.deepEqual(
    floors.map((f) => [f.pool, f.instances]),
    schedule.pools.map((pool) => [pool, schedule.minInstances]),
  );
  for (const floor of floors) t.true((floor.until ?? 0) >= before + 30 * 60_000 && (floor.until ?? 0) <= Date.now() + 30 * 60_000);
  t.deepEqual(await new PrewarmStore(client, 'staging').active(Date.now()), [], 'only prod is touched');
});

test.serial('--schedule prints one line per pool it raised', async (t) => {
  const result = await runAgentfleet(['scaler', 'prewarm', '--env', 'staging', '--schedule', 'weekday-morning'], { REDIS_URL: redis.url });
  t.is(result.code, 0, result.stderr);
  const minInstances = loadEnvironment('staging').scaling.prewarm.find((s) => s.name === 'weekday-morning')?.minInstances;
  t.regex(result.stdout, new RegExp(`^staging: spot keeps at least ${minInstances} until \\S+Z \\(schedule weekday-morning\\)\\n$`));
});

test('an unknown schedule, or --schedule with --min or --pool, or neither, is refused by name before Redis is touched', async (t) => {
  const nowhere = { REDIS_URL: 'redis://127.0.0.1:1' };
  const cases: [string[], RegExp][] = [
    [['--env', 'prod', '--schedule', 'black-friday'], /--schedule: prod has no pre-warm schedule "black-friday" \(it has weekday-morning, daily-evening\)/],
    [['--env', 'dev', '--schedule', 'weekday-morning'], /--schedule: dev has no pre-warm schedule "weekday-morning" \(it has none\)/],
    [['--env', 'prod', '--schedule', 'weekday-morning', '--min', '3'], /--schedule: takes the floor and the pools from the schedule; leave out --min and --pool/],
    [['--env', 'prod', '--schedule', 'weekday-morning', '--pool', 'spot'], /leave out --min and --pool/],
    [['--env', 'prod'], /--min or --schedule: one of them is required/],
  ];
  for (const [args, message] of cases) {
    const result = await runAgentfleet(['scaler', 'prewarm', ...args], nowhere);
    t.is(result.code, 2, args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
  }
});
