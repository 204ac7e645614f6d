import type { EnvironmentConfig } from '../../../environments/index.js';
import { resizedFor, type RunFootprint } from '../../../environments/sizing.js';

/**
 * The config as it would be for an agent of another footprint: the same pools, types, plans and
 * prices, with every slots-per-unit figure derived again from `run` (as the environment files do).
 * Instance and task counts stay: the brief's plans are written in instances.
 */

export class FootprintTooLargeError extends Error {
  override readonly name = 'FootprintTooLargeError';
  constructor(readonly run: RunFootprint, readonly where: string) {
    super(`a run of ${run.vcpu} vCPU / ${run.memoryGiB} GiB does not fit on ${where}`);
  }
}

/** resizedFor (environments/sizing.ts), refusing a footprint that fits on no nominal instance or no burst task. */
export function withFootprint(config: EnvironmentConfig, run: RunFootprint): EnvironmentConfig {
  const resized = resizedFor(config, run);
  const nominal = [resized.pools.spot, resized.pools['on-demand']].find(
    (pool) => (pool.instanceTypes.find((t) => t.type === pool.nominalInstanceType)?.slots ?? 0) < 1,
  );
  if (nominal) throw new FootprintTooLargeError(run, nominal.nominalInstanceType);
  const task = resized.worker.fargateTask;
  if (task.slots < 1) throw new FootprintTooLargeError(run, `a Fargate task of ${task.cpu} CPU units / ${task.memoryMiB} MiB`);
  return resized;
}
