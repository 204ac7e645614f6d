import { GRAVITON_SHAPES } from '../../../environments/catalog.js';
import type { EnvironmentConfig } from '../../../environments/index.js';
import { slotsOn, slotsPerFargateTask, type RunFootprint } from '../../../environments/sizing.js';

/**
 * The config as it would be for an agent of another footprint: the same pools, types, plans and
 * prices, with every slots-per-unit figure derived again from `run` (as the environment files do).
 * Instance and task counts stay: the brief's plans are written in instances.
 */

export class UnknownInstanceShapeError extends Error {
  override readonly name = 'UnknownInstanceShapeError';
  constructor(readonly instanceType: string) {
    super(`no shape (vCPU, memory) for ${instanceType} in environments/catalog.ts`);
  }
}

export class FootprintTooLargeError extends Error {
  override readonly name = 'FootprintTooLargeError';
  constructor(readonly run: RunFootprint, readonly where: string) {
    super(`a run of ${run.vcpu} vCPU / ${run.memoryGiB} GiB does not fit on ${where}`);
  }
}

function shapeOf(type: string) {
  const shape = (GRAVITON_SHAPES as Record<string, { vcpu: number; memoryGiB: number }>)[type];
  if (!shape) throw new UnknownInstanceShapeError(type);
  return shape;
}

export function withFootprint(config: EnvironmentConfig, run: RunFootprint): EnvironmentConfig {
  const resize = (pool: EnvironmentConfig['pools']['spot']) => ({
    ...pool,
    instanceTypes: pool.instanceTypes.map(({ type }) => ({ type, slots: slotsOn(shapeOf(type), run) })),
  });
  const spot = resize(config.pools.spot);
  const onDemand = resize(config.pools['on-demand']);
  const nominal = [spot, onDemand].find((pool) => (pool.instanceTypes.find((t) => t.type === pool.nominalInstanceType)?.slots ?? 0) < 1);
  if (nominal) throw new FootprintTooLargeError(run, nominal.nominalInstanceType);
  const taskSlots = slotsPerFargateTask(config.worker.fargateTask, run);
  if (taskSlots < 1) throw new FootprintTooLargeError(run, `a Fargate task of ${config.worker.fargateTask.cpu} CPU units / ${config.worker.fargateTask.memoryMiB} MiB`);
  return {
    ...config,
    pools: { ...config.pools, spot, 'on-demand': onDemand },
    worker: { ...config.worker, run: { ...run }, fargateTask: { ...config.worker.fargateTask, slots: taskSlots } },
  };
}
