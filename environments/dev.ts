import { AGENT_RUN, AVAILABILITY_ZONES, DAY, GITHUB_REPOSITORY, HOUR, MINUTE, REGION, US_EAST_1_PRICING, WORKER } from './common.js';
import type { EnvironmentConfigInput } from './config.js';
import { weightedTypes } from './sizing.js';

/**
 * Dev: the smallest fleet that still exercises every path (Spot, On-Demand, both burst services) for
 * tens of dollars a month: one NAT gateway, no interface endpoints, a single-node Redis, no pre-warm.
 */

const BURST_TASKS = 4;

export const dev: EnvironmentConfigInput = {
  name: 'dev',
  region: REGION,
  availabilityZones: AVAILABILITY_ZONES,
  retainDataOnDestroy: false,
  state: { bucket: 'agentfleet-tfstate-dev' },
  network: { cidr: '10.42.0.0/16', natGateways: 'single', interfaceEndpoints: false },
  queue: {
    retentionSeconds: 1 * DAY,
    visibilityTimeoutSeconds: 15 * MINUTE,
    maxReceiveCount: 5,
    receiveWaitSeconds: 20,
    deadLetterRetentionSeconds: 4 * DAY,
    alarms: { oldestMessageAgeSeconds: 1 * HOUR, deadLetterDepth: 10 },
  },
  pools: {
    spot: {
      kind: 'ec2-asg',
      min: 0,
      max: 4,
      instanceTypes: weightedTypes(['m6g.large', 'r6g.large', 'c6g.xlarge'], AGENT_RUN),
      nominalInstanceType: 'm6g.large',
    },
    'on-demand': {
      kind: 'ec2-asg',
      min: 0,
      max: 1,
      instanceTypes: weightedTypes(['m6g.large', 'c6g.xlarge'], AGENT_RUN),
      nominalInstanceType: 'm6g.large',
    },
    'burst-spot': { kind: 'fargate', min: 0, max: BURST_TASKS },
    'burst-ondemand': { kind: 'fargate', min: 0, max: BURST_TASKS },
  },
  capacitySplit: { spot: 0.7, 'on-demand': 0.2, burst: 0.1 },
  scaling: {
    policy: 'backlog',
    tickSeconds: 15,
    step: {
      rules: [
        { visibleAbove: 4, addInstances: 1 },
        { visibleAbove: 16, addInstances: 2 },
        { visibleAbove: 32, addInstances: 4, enableBurst: true },
      ],
    },
    backlog: { targetBacklogPerSlot: 1 },
    scaleOutCooldownSeconds: 1 * MINUTE,
    scaleInCooldownSeconds: 5 * MINUTE,
    maxScaleInPercentPerTick: 50,
    burst: { maxTotalTasks: BURST_TASKS, moveToOnDemandAfterSeconds: 2 * MINUTE },
    prewarm: [],
    cpu: { scaleOutAbovePercent: 70, scaleInBelowPercent: 30, scaleInAfterSeconds: 10 * MINUTE },
  },
  worker: WORKER,
  runState: { engine: 'valkey', engineVersion: '8.0', nodeType: 'cache.t4g.micro', replicas: 0, snapshotRetentionDays: 0 },
  api: {
    minTasks: 2,
    maxTasks: 2,
    task: { cpu: 256, memoryMiB: 512 },
    listener: 'http',
    allowedCidrs: ['0.0.0.0/0'],
    limits: {
      // Generous: dev is where the benchmarks push one tenant hardest (api-ingest: ≥ 6,000 runs/s, runs left queued).
      tenantRequests: { limit: 20_000, windowSeconds: 1 },
      queuedRunsPerTenant: 1_000_000,
      failedAuths: { limit: 30, windowSeconds: 1 * MINUTE },
    },
  },
  scaler: { task: { cpu: 256, memoryMiB: 512 } },
  plans: [
    {
      name: 'smoke',
      concurrency: { min: 1, max: 16 },
      capacity: { spot: 2, 'on-demand': 0, 'burst-spot': 0, 'burst-ondemand': 0 },
    },
  ],
  pricing: US_EAST_1_PRICING,
  costGuard: { monthlyBudgetUsd: 300, alertAtPercent: [80, 100] },
  alerts: { subscribers: [] },
  ci: { githubRepository: GITHUB_REPOSITORY, githubEnvironment: 'dev', oidcProvider: 'create', pullRequestPlans: true },
};
