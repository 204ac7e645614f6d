import type { EnvironmentConfig, PoolName } from '../../../environments/index.js';
import { poolUnitHourlyUsd } from '../cost/pool-cost.js';
import { AWS_MODEL } from './aws-model.js';
import type { Policy, SimulationResult, TimelineSample } from './engine.js';
import type { Trace } from './trace.js';

/**
 * What `agentfleet simulate` reports (DESIGN §3: `costUsd`, `wait: {p50, p95, p99}`, `maxQueue`,
 * `utilisation`), from a simulation's raw result. Cost is the machine-seconds billed inside the trace
 * times each pool's unit price (services/scaler/cost/pool-cost.ts, the planner's prices).
 */

export interface PoolSummary {
  name: PoolName;
  /** Most slots held or coming up at once, and the pool's max in slots. */
  peakSlots: number;
  maxSlots: number;
  /** Instances (EC2, of the nominal type) or tasks (Fargate) launched. */
  launched: number;
  spotNotices: number;
  machineHours: number;
  unitHourlyUsd: number;
  costUsd: number;
}

export interface SimulationSummary {
  environment: string;
  trace: { name: string; start: string; durationSeconds: number };
  policy: Policy;
  seed: number;
  /** USD billed over the trace, all pools. */
  costUsd: number;
  /** Seconds from entering the queue to starting, per attempt (nearest rank). */
  wait: { p50: number; p95: number; p99: number };
  /** Most runs waiting in the queue at once. */
  maxQueue: number;
  /** Busy slot-seconds ÷ slot-seconds of capacity in service. */
  utilisation: number;
  runs: { arrived: number; finished: number; running: number; queued: number; handedBack: number; arrivedInTrace: number };
  pools: PoolSummary[];
  model: {
    tickSeconds: number;
    warmupSeconds: number;
    ec2ReadySeconds: { min: number; max: number };
    fargateReadySeconds: { min: number; max: number };
    spotNoticeSeconds: number;
    spotInterruptionsPerMonth: number;
    fargateSpotTasksAvailable: number | null;
  };
  /** One sample per scaler tick: seconds from the trace's start, arrivals since the last sample, queue and capacity per pool. */
  timeline: TimelineSample[];
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] as number;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

export function summarise(config: EnvironmentConfig, trace: Trace, result: SimulationResult): SimulationSummary {
  const pools = result.pools.map((pool): PoolSummary => {
    const unitHourlyUsd = poolUnitHourlyUsd(config, pool.name);
    const machineHours = pool.billedMachineSeconds / 3600;
    const slotsPerUnit = pool.slotsPerMachine / pool.unitsPerMachine;
    return {
      name: pool.name,
      peakSlots: pool.peakUnits * slotsPerUnit,
      maxSlots: pool.maxUnits * slotsPerUnit,
      launched: pool.launched,
      spotNotices: pool.reclaimed,
      machineHours: round(machineHours, 2),
      unitHourlyUsd,
      costUsd: round(machineHours * unitHourlyUsd, 2),
    };
  });
  return {
    environment: result.environment,
    trace: result.trace,
    policy: result.policy,
    seed: result.seed,
    costUsd: round(
      pools.reduce((sum, pool) => sum + pool.costUsd, 0),
      2,
    ),
    wait: {
      p50: round(percentile(result.waits, 0.5), 1),
      p95: round(percentile(result.waits, 0.95), 1),
      p99: round(percentile(result.waits, 0.99), 1),
    },
    maxQueue: result.maxQueue,
    utilisation: result.inServiceSlotSeconds === 0 ? 0 : round(result.busySlotSeconds / result.inServiceSlotSeconds, 3),
    runs: { ...result.runs, arrivedInTrace: result.arrivedInTrace },
    pools,
    model: {
      tickSeconds: result.tickSeconds,
      warmupSeconds: result.warmupSeconds,
      ec2ReadySeconds: AWS_MODEL.ec2ReadySeconds,
      fargateReadySeconds: AWS_MODEL.fargateReadySeconds,
      spotNoticeSeconds: AWS_MODEL.spotNoticeSeconds,
      spotInterruptionsPerMonth: trace.conditions.spotInterruptionsPerMonth,
      fargateSpotTasksAvailable: trace.conditions.fargateSpotTasksAvailable ?? null,
    },
    timeline: result.timeline,
  };
}
