import test from 'ava';
import { Cron } from 'croner';
import {
  ENVIRONMENT_NAMES,
  EnvironmentConfigError,
  UnknownEnvironmentError,
  asgSizeInSlots,
  instancesToSlots,
  loadEnvironment,
  parseEnvironmentConfig,
  prewarmCron,
  type EnvironmentConfig,
} from '../../environments/index.js';
import { GRAVITON_SHAPES, type GravitonType } from '../../environments/catalog.js';
import { BRIEF_AGENT_RUN } from '../../environments/deployed-agents.js';
import { prod as prodSource } from '../../environments/prod.js';
import { resizedFor } from '../../environments/sizing.js';

const prod = loadEnvironment('prod');
const MINUTE = 60;
const DAY = 24 * 60 * MINUTE;

function slotsOf(config: EnvironmentConfig, pool: 'spot' | 'on-demand'): Record<string, number> {
  return Object.fromEntries(config.pools[pool].instanceTypes.map((t) => [t.type, t.slots]));
}

test('every environment loads and validates', (t) => {
  for (const name of ENVIRONMENT_NAMES) t.is(loadEnvironment(name).name, name);
});

test('an unknown environment is refused by name', (t) => {
  const error = t.throws(() => loadEnvironment('qa'), { instanceOf: UnknownEnvironmentError });
  t.is(error?.environment, 'qa');
  t.regex(error?.message ?? '', /dev, staging, prod/);
});

test('prod queue: standard SQS, messages kept 4 days, 15 minutes invisible after a receive, a DLQ after repeated receives', (t) => {
  t.is(prod.queue.retentionSeconds, 4 * DAY);
  t.is(prod.queue.visibilityTimeoutSeconds, 15 * MINUTE);
  t.true(prod.queue.maxReceiveCount >= 1);
  t.true(prod.queue.deadLetterRetentionSeconds >= prod.queue.retentionSeconds);
});

test('prod Spot pool scales 0–200 instances over the brief\'s nine Graviton types', (t) => {
  const spot = prod.pools.spot;
  t.is(spot.kind, 'ec2-asg');
  t.is(spot.min, 0);
  t.is(spot.max, 200);
  t.deepEqual(
    spot.instanceTypes.map((i) => i.type).sort(),
    ['c6g.2xlarge', 'c6g.4xlarge', 'c6g.xlarge', 'm6g.2xlarge', 'm6g.4xlarge', 'm6g.xlarge', 'r6g.2xlarge', 'r6g.large', 'r6g.xlarge'],
  );
});

test('with the brief\'s agent, slots per type follow the brief\'s table (ranges resolved inside the stated bounds)', (t) => {
  const slots = slotsOf(resizedFor(prod, BRIEF_AGENT_RUN), 'spot');
  t.is(slots['c6g.xlarge'], 4);
  t.is(slots['c6g.2xlarge'], 8);
  const within = (value: number | undefined, low: number, high: number) => value !== undefined && value >= low && value <= high;
  t.true(within(slots['m6g.xlarge'], 4, 8));
  t.true(within(slots['m6g.2xlarge'], 8, 16));
  t.true(within(slots['r6g.xlarge'], 8, 16));
  for (const [type, count] of Object.entries(slots)) t.true(count > 0, `${type} holds no run`);
});

test('prod On-Demand pool is 30–50 instances of c6g/m6g', (t) => {
  const onDemand = prod.pools['on-demand'];
  t.is(onDemand.min, 30);
  t.is(onDemand.max, 50);
  t.true(onDemand.instanceTypes.every((i) => /^(c6g|m6g)\./.test(i.type)));
});

test('prod Fargate burst tops out at 200 tasks across its Spot and On-Demand services', (t) => {
  t.is(prod.scaling.burst.maxTotalTasks, 200);
  t.is(prod.pools['burst-spot'].kind, 'fargate');
  t.is(prod.pools['burst-ondemand'].kind, 'fargate');
  t.is(prod.pools['burst-spot'].min, 0);
  t.is(prod.pools['burst-ondemand'].min, 0);
  t.true(prod.scaling.burst.moveToOnDemandAfterSeconds > 0);
});

test('capacity is split 70 % Spot, 20 % On-Demand, 10 % burst', (t) => {
  t.deepEqual(prod.capacitySplit, { spot: 0.7, 'on-demand': 0.2, burst: 0.1 });
});

test('prod step rules are the brief\'s: >100 → +10, >500 → +50, >1000 → +100 and Fargate burst', (t) => {
  t.deepEqual(prod.scaling.step.rules, [
    { visibleAbove: 100, addInstances: 10, enableBurst: false },
    { visibleAbove: 500, addInstances: 50, enableBurst: false },
    { visibleAbove: 1000, addInstances: 100, enableBurst: true },
  ]);
});

test('prod pre-warms to 50 instances at 13:00 UTC on weekdays and drops to 20 at 03:00 UTC daily', (t) => {
  const [morning, evening] = prod.scaling.prewarm;
  t.like(morning, { schedule: 'cron(0 13 ? * MON-FRI *)', minInstances: 50 });
  t.like(evening, { schedule: 'cron(0 3 ? * * *)', minInstances: 20 });
  if (!morning || !evening) return;
  // Friday 2025-01-03 12:00 UTC: next runs are Fri 13:00, then Mon 13:00 (the weekend is skipped).
  const from = new Date('2025-01-03T12:00:00Z');
  const next = (cron: string, n: number) => new Cron(cron, { timezone: 'UTC', paused: true }).nextRuns(n, from).map((d) => d.toISOString());
  t.deepEqual(next(prewarmCron(morning), 2), ['2025-01-03T13:00:00.000Z', '2025-01-06T13:00:00.000Z']);
  t.deepEqual(next(prewarmCron(evening), 2), ['2025-01-04T03:00:00.000Z', '2025-01-05T03:00:00.000Z']);
});

test('the CPU safety net scales out above 70 % and in below 30 %', (t) => {
  t.like(prod.scaling.cpu, { scaleOutAbovePercent: 70, scaleInBelowPercent: 30 });
});

test('prod keeps the brief\'s baseline, peak and surge plans as stated', (t) => {
  t.deepEqual(
    prod.plans.map((p) => [p.name, p.capacity.spot, p.capacity['on-demand'], p.capacity['burst-spot'] + p.capacity['burst-ondemand'], p.statedMonthlyCostUsd]),
    [
      ['baseline', 20, 10, 0, 2500],
      ['peak', 80, 20, 50, 8000],
      ['surge', 150, 30, 200, 20000],
    ],
  );
});

test('prod prices cover every instance type it may launch, each with its source and date', (t) => {
  for (const pool of ['spot', 'on-demand'] as const) {
    for (const { type } of prod.pools[pool].instanceTypes) t.truthy(prod.pricing.instances[type], `${type} has no price`);
  }
  t.like(prod.pricing.instances['c6g.2xlarge']?.spotHourlyUsd, { value: 0.068, date: '2026-12' });
  t.regex(prod.pricing.instances['c6g.2xlarge']?.spotHourlyUsd.source ?? '', /architecture-brief/);
  t.true(prod.pricing.savingsPlan.oneYearDiscount.value < prod.pricing.savingsPlan.threeYearDiscount.value);
});

test('instances convert to ASG capacity through the nominal type: with the brief\'s agent, 200 c6g.2xlarge = 1,600 slots', (t) => {
  const brief = resizedFor(prod, BRIEF_AGENT_RUN);
  t.deepEqual(asgSizeInSlots(brief.pools.spot), { min: 0, max: 1600 });
  t.deepEqual(asgSizeInSlots(brief.pools['on-demand']), { min: 240, max: 400 });
  t.is(instancesToSlots(brief.pools.spot, 50), 400);
});

test('with the deployed agents\' footprint, an instance of the nominal type holds as many slots as its CPU and memory allow', (t) => {
  for (const pool of ['spot', 'on-demand'] as const) {
    const { vcpu, memoryGiB } = GRAVITON_SHAPES[prod.pools[pool].nominalInstanceType as GravitonType];
    const perInstance = Math.floor(Math.min(vcpu / prod.worker.run.vcpu, memoryGiB / prod.worker.run.memoryGiB));
    t.true(perInstance > 0, pool);
    t.deepEqual(asgSizeInSlots(prod.pools[pool]), { min: prod.pools[pool].min * perInstance, max: prod.pools[pool].max * perInstance }, pool);
    t.is(instancesToSlots(prod.pools[pool], 50), 50 * perInstance, pool);
  }
});

test('dev and staging are smaller and cheaper than prod', (t) => {
  for (const name of ['dev', 'staging'] as const) {
    const config = loadEnvironment(name);
    t.true(config.pools.spot.max < prod.pools.spot.max, `${name} spot max`);
    t.true(config.pools['on-demand'].max < prod.pools['on-demand'].max, `${name} on-demand max`);
    t.true(config.scaling.burst.maxTotalTasks < prod.scaling.burst.maxTotalTasks, `${name} burst`);
    t.true(config.costGuard.monthlyBudgetUsd < prod.costGuard.monthlyBudgetUsd, `${name} budget`);
    t.is(config.network.natGateways, 'single', `${name} NAT gateways`);
    t.true(config.runState.replicas < prod.runState.replicas, `${name} Redis replicas`);
  }
});

test('every environment spreads over three distinct zones of its region', (t) => {
  for (const name of ENVIRONMENT_NAMES) {
    const config = loadEnvironment(name);
    t.is(new Set(config.availabilityZones).size, 3, name);
    t.true(config.availabilityZones.every((zone) => zone.startsWith(config.region)), name);
  }
});

test('every environment sets the API\'s limits; prod lets one tenant queue twice its largest plan and slows bad keys within a minute', (t) => {
  for (const name of ENVIRONMENT_NAMES) {
    const { limits } = loadEnvironment(name).api;
    t.true(limits.tenantRequests.limit > 0 && limits.queuedRunsPerTenant > 0 && limits.failedAuths.limit > 0, name);
  }
  const largestPlan = Math.max(...prod.plans.map((plan) => plan.concurrency.max ?? plan.concurrency.min));
  t.is(prod.api.limits.queuedRunsPerTenant, 2 * largestPlan);
  t.is(prod.api.limits.failedAuths.windowSeconds, MINUTE);
  t.true(prod.api.limits.failedAuths.limit <= 20);
  t.true(loadEnvironment('dev').api.limits.tenantRequests.limit >= 6_000, 'dev leaves room for the api-ingest benchmark (≥ 6,000 runs/s)');
});

test('a limit of zero is refused with the path of the field', (t) => {
  const bad = { ...prodSource, api: { ...prodSource.api, limits: { ...prodSource.api.limits, queuedRunsPerTenant: 0 } } };
  const error = t.throws(() => parseEnvironmentConfig(bad), { instanceOf: EnvironmentConfigError });
  t.deepEqual(error?.issues.map((issue) => issue.path), ['api.limits.queuedRunsPerTenant']);
});

test('a bad value is refused with the path of the field', (t) => {
  const bad = { ...prodSource, pools: { ...prodSource.pools, spot: { ...prodSource.pools.spot, min: 500 } } };
  const error = t.throws(() => parseEnvironmentConfig(bad), { instanceOf: EnvironmentConfigError });
  t.deepEqual(error?.issues, [{ path: 'pools.spot.min', message: 'min 500 exceeds max 200' }]);
});

test('a split that does not add up to 1 and a pre-warm floor above the pool are both named', (t) => {
  const bad = {
    ...prodSource,
    capacitySplit: { spot: 0.7, 'on-demand': 0.2, burst: 0.2 },
    scaling: { ...prodSource.scaling, prewarm: [{ name: 'too-big', schedule: 'cron(0 13 ? * MON-FRI *)', minInstances: 500, pools: ['spot' as const] }] },
  };
  const error = t.throws(() => parseEnvironmentConfig(bad), { instanceOf: EnvironmentConfigError });
  const paths = error?.issues.map((i) => i.path) ?? [];
  t.true(paths.includes('capacitySplit'));
  t.true(paths.includes('scaling.prewarm.0.minInstances'));
});

test('a schedule the ASG cannot express is refused at load time', (t) => {
  const bad = {
    ...prodSource,
    scaling: { ...prodSource.scaling, prewarm: [{ name: 'last-day', schedule: 'cron(0 13 L * ? *)', minInstances: 1, pools: ['spot' as const] }] },
  };
  const error = t.throws(() => parseEnvironmentConfig(bad), { instanceOf: EnvironmentConfigError });
  t.is(error?.issues[0]?.path, 'scaling.prewarm.0.schedule');
});

test('worker timings that would cut a drain short or strand a run are refused, each with its field', (t) => {
  const worker = prodSource.worker;
  const refused = (change: Partial<typeof worker>): string[] => {
    const error = t.throws(() => parseEnvironmentConfig({ ...prodSource, worker: { ...worker, ...change } }), { instanceOf: EnvironmentConfigError });
    return error?.issues.map((issue) => issue.path) ?? [];
  };
  const drain = worker.drain;
  t.deepEqual(refused({ drain: { ...drain, lifecycleHeartbeatSeconds: worker.drainTimeoutSeconds / 2 + 1 } }), ['worker.drain.lifecycleHeartbeatSeconds']);
  t.deepEqual(refused({ drain: { ...drain, scaleInGraceSeconds: 48 * 3600 + 1 } }), ['worker.drain.scaleInGraceSeconds'], 'past 48 h');
  t.deepEqual(refused({ drainTimeoutSeconds: 60, drain: { ...drain, shutdownGraceSeconds: 30, lifecycleHeartbeatSeconds: 30, scaleInGraceSeconds: 6001 } }), [
    'worker.drain.scaleInGraceSeconds',
  ], 'past 100 × the hook timeout');
  t.deepEqual(refused({ drain: { ...drain, shutdownGraceSeconds: 120 } }), ['worker.drain.shutdownGraceSeconds'], 'Fargate kills at 120 s');
  t.deepEqual(refused({ drainTimeoutSeconds: 60, drain: { ...drain, shutdownGraceSeconds: 60, lifecycleHeartbeatSeconds: 30 } }), ['worker.drain.shutdownGraceSeconds'], 'Docker kills at drainTimeoutSeconds');
  t.deepEqual(refused({ drain: { ...drain, spotDrainMarginSeconds: 120 } }), ['worker.drain.spotDrainMarginSeconds']);
  t.deepEqual(refused({ heartbeat: { leaseSeconds: 60, visibilitySeconds: 59 } }), ['worker.heartbeat.visibilitySeconds']);
  t.deepEqual(refused({ taskProtectionMinutes: 2881 }), ['worker.taskProtectionMinutes']);
});
