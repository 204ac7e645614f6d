import { AGENT_RUN, AVAILABILITY_ZONES, DAY, GITHUB_REPOSITORY, MINUTE, REGION, US_EAST_1_PRICING, WORKER } from './common.js';
import type { EnvironmentConfigInput } from './config.js';
import { weightedTypes } from './sizing.js';

/**
 * Staging: prod's shape (same instance families, Multi-AZ Redis, HTTPS, pre-warm) at a tenth of its
 * size, so a change behaves here as it will in prod, for a few hundred dollars a month.
 */

const BURST_TASKS = 20;

export const staging: EnvironmentConfigInput = {
  name: 'staging',
  region: REGION,
  availabilityZones: AVAILABILITY_ZONES,
  retainDataOnDestroy: false,
  state: { bucket: 'agentfleet-tfstate-staging' },
  network: { cidr: '10.41.0.0/16', natGateways: 'single', interfaceEndpoints: false },
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
      max: 20,
      instanceTypes: weightedTypes(['c6g.xlarge', 'c6g.2xlarge', 'm6g.xlarge', 'm6g.2xlarge', 'r6g.large', 'r6g.xlarge'], AGENT_RUN),
      nominalInstanceType: 'c6g.2xlarge',
    },
    'on-demand': {
      kind: 'ec2-asg',
      min: 1,
      max: 4,
      instanceTypes: weightedTypes(['c6g.xlarge', 'c6g.2xlarge', 'm6g.xlarge', 'm6g.2xlarge'], AGENT_RUN),
      nominalInstanceType: 'c6g.2xlarge',
    },
    'burst-spot': { kind: 'fargate', min: 0, max: BURST_TASKS },
    'burst-ondemand': { kind: 'fargate', min: 0, max: BURST_TASKS },
  },
  capacitySplit: { spot: 0.7, 'on-demand': 0.2, burst: 0.1 },
  scaling: {
    policy: 'step',
    tickSeconds: 30,
    step: {
      rules: [
        { visibleAbove: 10, addInstances: 1 },
        { visibleAbove: 50, addInstances: 5 },
        { visibleAbove: 100, addInstances: 10, enableBurst: true },
      ],
    },
    backlog: { targetBacklogPerSlot: 1 },
    scaleOutCooldownSeconds: 2 * MINUTE,
    scaleInCooldownSeconds: 10 * MINUTE,
    maxScaleInPercentPerTick: 10,
    burst: { maxTotalTasks: BURST_TASKS, moveToOnDemandAfterSeconds: 3 * MINUTE },
    prewarm: [
      { name: 'weekday-morning', schedule: 'cron(0 13 ? * MON-FRI *)', minInstances: 5, pools: ['spot'] },
      { name: 'daily-evening', schedule: 'cron(0 3 ? * * *)', minInstances: 0, pools: ['spot'] },
    ],
    cpu: { scaleOutAbovePercent: 70, scaleInBelowPercent: 30, scaleInAfterSeconds: 15 * MINUTE },
  },
  worker: WORKER,
  runState: { engine: 'valkey', engineVersion: '8.0', nodeType: 'cache.t4g.small', replicas: 1, snapshotRetentionDays: 1 },
  api: {
    minTasks: 2,
    maxTasks: 4,
    task: { cpu: 256, memoryMiB: 512 },
    listener: 'https',
    allowedCidrs: ['0.0.0.0/0'],
    limits: {
      tenantRequests: { limit: 200, windowSeconds: 1 },
      queuedRunsPerTenant: 20_000,
      failedAuths: { limit: 20, windowSeconds: 1 * MINUTE },
    },
  },
  scaler: { task: { cpu: 256, memoryMiB: 512 } },
  plans: [
    {
      name: 'rehearsal',
      concurrency: { min: 100, max: 200 },
      capacity: { spot: 14, 'on-demand': 4, 'burst-spot': BURST_TASKS, 'burst-ondemand': 0 },
    },
  ],
  pricing: US_EAST_1_PRICING,
  costGuard: { monthlyBudgetUsd: 1500, alertAtPercent: [80, 100] },
  alerts: { subscribers: [] },
  // Staging shares the non-production account with dev, whose stack owns the GitHub OIDC provider.
  ci: { githubRepository: GITHUB_REPOSITORY, githubEnvironment: 'staging', oidcProvider: 'existing', pullRequestPlans: true },
};
