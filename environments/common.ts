import type { EnvironmentConfigInput } from './config.js';
import { slotsPerFargateTask, type RunFootprint } from './sizing.js';

export { US_EAST_1_PRICING } from './prices.js';

/** What every environment shares: the agent's footprint, the region and its prices, the CI repository. */

export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The brief's agents are CPU and memory intensive; this footprint reproduces its slots-per-type table. */
export const AGENT_RUN: RunFootprint = { vcpu: 0.5, memoryGiB: 2 };

export const REGION = 'us-east-1';
export const AVAILABILITY_ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** 1 vCPU / 2 GiB leaves the worker process headroom beside one 0.5 vCPU / 2 GiB run. */
const BURST_TASK = { cpu: 1024, memoryMiB: 2048 } as const;

export const WORKER: EnvironmentConfigInput['worker'] = {
  imageTag: '0.1.0',
  run: AGENT_RUN,
  fargateTask: { ...BURST_TASK, slots: slotsPerFargateTask(BURST_TASK, AGENT_RUN) },
  drainTimeoutSeconds: 15 * MINUTE,
  rootVolumeGiB: 30,
  /** The brief's circuit breaker: error rate above 10 % for 5 minutes. */
  breaker: { errorRatePercent: 10, windowSeconds: 5 * MINUTE },
};

export const GITHUB_REPOSITORY = 'agentfleet/agentfleet';
