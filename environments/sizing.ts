import { GRAVITON_SHAPES, type GravitonType, type InstanceShape } from './catalog.js';
import type { Ec2PoolConfig, EnvironmentConfig } from './config.js';

/**
 * How many agent runs fit on a machine. A slot is what one run needs (the agent's CPU and memory);
 * an instance type holds as many slots as both its vCPUs and its memory allow. With the brief's agent
 * (0.5 vCPU, 2 GiB) this reproduces its table: c6g.xlarge 4, c6g.2xlarge 8, m6g.xlarge 8 (of "4-8"),
 * m6g.2xlarge 16 (of "8-16"), r6g.xlarge 8 (of "8-16"), and sizes the types the table leaves out.
 */

export interface RunFootprint {
  vcpu: number;
  memoryGiB: number;
}

/**
 * The footprint of a slot that must hold a run of any of these agents: the largest vCPU and the largest
 * memory among them, an agent without a stated footprint counting as `fallback`. No agents: `fallback`.
 */
export function slotFootprint(agents: readonly { footprint?: RunFootprint | undefined }[], fallback: RunFootprint): RunFootprint {
  const footprints = agents.length === 0 ? [fallback] : agents.map((agent) => agent.footprint ?? fallback);
  return { vcpu: Math.max(...footprints.map((f) => f.vcpu)), memoryGiB: Math.max(...footprints.map((f) => f.memoryGiB)) };
}

export function slotsOn(shape: InstanceShape, run: RunFootprint): number {
  return Math.floor(Math.min(shape.vcpu / run.vcpu, shape.memoryGiB / run.memoryGiB));
}

/** `[{ type, slots }]` for the given Graviton types: the weighted capacity of each in an ASG. */
export function weightedTypes(types: readonly GravitonType[], run: RunFootprint): { type: GravitonType; slots: number }[] {
  return types.map((type) => ({ type, slots: slotsOn(GRAVITON_SHAPES[type], run) }));
}

/** Fargate sizes CPU in units of 1/1024 vCPU and memory in MiB. */
export function slotsPerFargateTask(task: { cpu: number; memoryMiB: number }, run: RunFootprint): number {
  return slotsOn({ vcpu: task.cpu / 1024, memoryGiB: task.memoryMiB / 1024 }, run);
}

/**
 * `config` with every slot count re-derived for agents of footprint `run`: what-ifs ("the same fleet
 * for a 0.5 vCPU agent") and tests that pin the brief's agent, without a second copy of the config.
 */
export function resizedFor(config: EnvironmentConfig, run: RunFootprint): EnvironmentConfig {
  const pool = (p: Ec2PoolConfig): Ec2PoolConfig => ({
    ...p,
    instanceTypes: p.instanceTypes.map((t) => {
      const shape: InstanceShape | undefined = GRAVITON_SHAPES[t.type as GravitonType];
      if (!shape) throw new RangeError(`no shape for instance type ${t.type} in GRAVITON_SHAPES`);
      return { type: t.type, slots: slotsOn(shape, run) };
    }),
  });
  return {
    ...config,
    pools: { ...config.pools, spot: pool(config.pools.spot), 'on-demand': pool(config.pools['on-demand']) },
    worker: { ...config.worker, run, fargateTask: { ...config.worker.fargateTask, slots: slotsPerFargateTask(config.worker.fargateTask, run) } },
  };
}
