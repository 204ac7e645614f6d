import { AVAILABILITY_ZONES, DAY, GITHUB_REPOSITORY, MINUTE, REGION, US_EAST_1_PRICING, WORKER, AGENT_RUN } from './common.js';
import type { CapacityPlan, EnvironmentConfigInput } from './config.js';
import { weightedTypes } from './sizing.js';

/**
 * Production: the brief's numbers, as written. With the example agents' measured footprint its maxima
 * hold 10,000 concurrent runs within the 70/20/10 split (test/economics/prod-10k.test.ts); an agent of
 * the brief's 0.5 vCPU / 2 GiB would need them raised: `agentfleet capacity --env prod --concurrency
 * 10000 --footprint 0.5,2` says by how much.
 */

/** "Fargate burst pool: up to 200 tasks", Spot first, On-Demand for what Spot cannot place. */
const BURST_TASKS = 200;

/** The brief's capacity plans, kept as stated; the planner reports what they really hold. */
const PLANS: CapacityPlan[] = [
  {
    name: 'baseline',
    concurrency: { min: 1000, max: 2000 },
    capacity: { spot: 20, 'on-demand': 10, 'burst-spot': 0, 'burst-ondemand': 0 },
    statedMonthlyCostUsd: 2500,
  },
  {
    name: 'peak',
    concurrency: { min: 5000, max: 5000 },
    capacity: { spot: 80, 'on-demand': 20, 'burst-spot': 50, 'burst-ondemand': 0 },
    statedMonthlyCostUsd: 8000,
  },
  {
    name: 'surge',
    concurrency: { min: 10000 },
    capacity: { spot: 150, 'on-demand': 30, 'burst-spot': BURST_TASKS, 'burst-ondemand': 0 },
    statedMonthlyCostUsd: 20000,
  },
];

export const prod: EnvironmentConfigInput = {
  name: 'prod',
  region: REGION,
  availabilityZones: AVAILABILITY_ZONES,
  retainDataOnDestroy: true,
  state: { bucket: 'agentfleet-tfstate-prod' },
  network: { cidr: '10.40.0.0/16', natGateways: 'one-per-az', interfaceEndpoints: true },
  queue: {
    retentionSeconds: 4 * DAY,
    visibilityTimeoutSeconds: 15 * MINUTE,
    maxReceiveCount: 5,
    receiveWaitSeconds: 20,
    deadLetterRetentionSeconds: 14 * DAY,
    alarms: { oldestMessageAgeSeconds: 10 * MINUTE, deadLetterDepth: 1 },
  },
  pools: {
    spot: {
      kind: 'ec2-asg',
      min: 0,
      max: 200,
      // The brief's diversification list: three families, three sizes each.
      instanceTypes: weightedTypes(
        ['c6g.xlarge', 'c6g.2xlarge', 'c6g.4xlarge', 'm6g.xlarge', 'm6g.2xlarge', 'm6g.4xlarge', 'r6g.large', 'r6g.xlarge', 'r6g.2xlarge'],
        AGENT_RUN,
      ),
      nominalInstanceType: 'c6g.2xlarge',
    },
    'on-demand': {
      kind: 'ec2-asg',
      min: 30,
      max: 50,
      instanceTypes: weightedTypes(['c6g.xlarge', 'c6g.2xlarge', 'm6g.xlarge', 'm6g.2xlarge'], AGENT_RUN),
      nominalInstanceType: 'c6g.2xlarge',
    },
    'burst-spot': { kind: 'fargate', min: 0, max: BURST_TASKS },
    'burst-ondemand': { kind: 'fargate', min: 0, max: BURST_TASKS },
  },
  capacitySplit: { spot: 0.7, 'on-demand': 0.2, burst: 0.1 },
  scaling: {
    // backlog, not the brief's step rules: on surge-10k it keeps the p95 queue wait well under 120 s
    // at the same cost (`agentfleet simulate --compare`; the numbers are in the services/scaler README).
    policy: 'backlog',
    tickSeconds: 30,
    step: {
      rules: [
        { visibleAbove: 100, addInstances: 10 },
        { visibleAbove: 500, addInstances: 50 },
        { visibleAbove: 1000, addInstances: 100, enableBurst: true },
      ],
    },
    backlog: { targetBacklogPerSlot: 1 },
    scaleOutCooldownSeconds: 2 * MINUTE,
    scaleInCooldownSeconds: 10 * MINUTE,
    maxScaleInPercentPerTick: 10,
    burst: { maxTotalTasks: BURST_TASKS, moveToOnDemandAfterSeconds: 3 * MINUTE },
    prewarm: [
      { name: 'weekday-morning', schedule: 'cron(0 13 ? * MON-FRI *)', minInstances: 50, pools: ['spot'] },
      { name: 'daily-evening', schedule: 'cron(0 3 ? * * *)', minInstances: 20, pools: ['spot'] },
    ],
    cpu: { scaleOutAbovePercent: 70, scaleInBelowPercent: 30, scaleInAfterSeconds: 15 * MINUTE },
  },
  worker: WORKER,
  runState: { engine: 'valkey', engineVersion: '8.0', nodeType: 'cache.r7g.large', replicas: 2, snapshotRetentionDays: 7 },
  api: {
    minTasks: 3,
    maxTasks: 12,
    task: { cpu: 512, memoryMiB: 1024 },
    listener: 'https',
    allowedCidrs: ['0.0.0.0/0'],
    // 1,000 requests per IP per 5 minutes (~3.3/s sustained) is well above one client's submissions and polling.
    edge: { rateLimitPerIpPer5Minutes: 1000, accessLogRetentionDays: 90 },
    limits: {
      // 1,000 requests/s per tenant queues the surge plan's 10k runs in 10 s; one tenant may have twice
      // the largest plan waiting, so a single tenant can still use the whole fleet.
      tenantRequests: { limit: 1_000, windowSeconds: 1 },
      queuedRunsPerTenant: 2 * Math.max(...PLANS.map((plan) => plan.concurrency.max ?? plan.concurrency.min)),
      failedAuths: { limit: 20, windowSeconds: 1 * MINUTE },
    },
  },
  scaler: { task: { cpu: 256, memoryMiB: 512 } },
  plans: PLANS,
  pricing: US_EAST_1_PRICING,
  costGuard: {
    // The dearest plan the brief accepts is the budget; spending past it means a plan is off.
    monthlyBudgetUsd: Math.max(...PLANS.map((plan) => plan.statedMonthlyCostUsd ?? 0)),
    alertAtPercent: [80, 100],
    savingsPlansCoverageTargetPercent: 80,
  },
  // PLACEHOLDER: replace with the on-call address or endpoint before the first deploy (environments/README.md).
  // example.com is reserved, so this never reaches anyone; prod refuses to build with no subscriber at all.
  alerts: { subscribers: [{ protocol: 'email', endpoint: 'agentfleet-oncall@example.com' }] },
  ci: { githubRepository: GITHUB_REPOSITORY, githubEnvironment: 'prod', oidcProvider: 'create', pullRequestPlans: false },
};
