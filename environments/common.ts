import { WORKER_DEFAULTS } from '../services/core/worker-defaults.js';
import type { EnvironmentConfigInput } from './config.js';
import { DEPLOYED_AGENT_RUN } from './deployed-agents.js';
import { slotsPerFargateTask, type RunFootprint } from './sizing.js';

export { US_EAST_1_PRICING } from './prices.js';

/** What every environment shares: the agent's footprint, the region and its prices, the CI repository. */

export const MINUTE = 60;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * What one run needs, and so what a slot is: derived from the footprints in the agents file the
 * environments deploy (deployed-agents.ts); the brief's 0.5 vCPU / 2 GiB for an agent that states none.
 */
export const AGENT_RUN: RunFootprint = DEPLOYED_AGENT_RUN;

export const REGION = 'us-east-1';
export const AVAILABILITY_ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];

/** 1 vCPU / 2 GiB: one run of the brief's 0.5 vCPU / 2 GiB agent, or as many smaller ones as fit. */
const BURST_TASK = { cpu: 1024, memoryMiB: 2048 } as const;

/** The worker settings for agents of footprint `run`: every slot count follows from it; the timings are the worker's production defaults. */
export function workerFor(run: RunFootprint): EnvironmentConfigInput['worker'] {
  return {
    imageTag: '0.1.0',
    run,
    fargateTask: { ...BURST_TASK, slots: slotsPerFargateTask(BURST_TASK, run) },
    drainTimeoutSeconds: 15 * MINUTE,
    rootVolumeGiB: 30,
    ...WORKER_DEFAULTS,
  };
}

export const WORKER = workerFor(AGENT_RUN);

export const GITHUB_REPOSITORY = 'agentfleet/agentfleet';
