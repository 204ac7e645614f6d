import type { PrewarmSchedule } from '../../environments/index.js';
import type { FleetPoolSnapshot, FleetSnapshot } from '../core/fleet/fleet-snapshot.js';
import type { WorkerStatus } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';
import type { QueueDepth } from '../core/queue/contract.js';
import type { CapacityPool, PoolObservation } from './adapters/pool.js';
import type { ScalerMetrics } from './metrics.js';
import { decide } from './policy/decide.js';
import { EMPTY_MEMORY, type Decision, type Floor, type PolicyMemory, type PolicySettings, type PoolState, type ScalablePoolName } from './policy/types.js';
import { scheduledFloors } from './schedule.js';

/**
 * One scaler tick: read the queue, the pools and the workers; decide (the pure policy); act on the
 * pools whose size changes; protect busy EC2 instances; publish the fleet snapshot for /v1/fleet.
 * Leader election is the caller's (main.ts): `act` is checked again right before each change, so a
 * replica that lost its lease mid-tick changes nothing.
 */

export interface PoolUnits {
  slotsPerUnit: number;
  unitsPerInstance: number;
}

export interface ScalerLoopOptions {
  settings: PolicySettings;
  schedules: readonly PrewarmSchedule[];
  /** Unit conversions per pool (from the EnvironmentConfig, or the local driver's flags). */
  units: ReadonlyMap<ScalablePoolName, PoolUnits>;
  /** How long a published snapshot stays visible without a newer one. */
  snapshotTtlMs: number;
}

export interface ScalerLoopDependencies {
  pools: readonly CapacityPool[];
  queue: { depth(): Promise<QueueDepth> };
  store: { oldestQueuedAgeSeconds(): Promise<number> };
  workers: { list(now?: number): Promise<WorkerStatus[]> };
  prewarm: { active(now: number): Promise<Floor[]> };
  memory: { load(): Promise<PolicyMemory | undefined>; save(memory: PolicyMemory): Promise<void> };
  snapshots: { publish(snapshot: FleetSnapshot, ttlMs: number): Promise<void> };
  logger: Logger;
  metrics?: ScalerMetrics;
  clock?: () => number;
}

export interface TickOptions {
  /** False for `--dry-run`: decide and report, change nothing (not even the memory or the snapshot). */
  act: boolean;
  /** Asked right before each change; false stops the tick from acting (lost leadership). */
  mayAct?: () => boolean;
}

export interface TickOutcome {
  decision: Decision;
  snapshot: FleetSnapshot;
  /** Pools whose desired size was set this tick. */
  applied: ScalablePoolName[];
  /** Pools whose change failed (logged); the next tick tries again. */
  failed: ScalablePoolName[];
}

export class ScalerLoop {
  private readonly clock: () => number;

  constructor(
    private readonly deps: ScalerLoopDependencies,
    private readonly options: ScalerLoopOptions,
  ) {
    this.clock = deps.clock ?? Date.now;
  }

  async tick({ act, mayAct = () => true }: TickOptions): Promise<TickOutcome> {
    const { deps } = this;
    const now = this.clock();
    const [depth, oldestAgeSeconds, workers, prewarmFloors, observations, stored] = await Promise.all([
      deps.queue.depth(),
      deps.store.oldestQueuedAgeSeconds(),
      deps.workers.list(now),
      deps.prewarm.active(now),
      Promise.all(deps.pools.map((pool) => pool.observe())),
      deps.memory.load(),
    ]);
    const memory = stored ?? EMPTY_MEMORY;
    const byPool = groupWorkers(workers);
    const states: PoolState[] = deps.pools.map((pool, i) => this.poolState(pool, observations[i] as PoolObservation, byPool.get(pool.name)));

    const decision = decide({
      now,
      queue: { visible: depth.visible, inFlight: depth.inFlight, oldestAgeSeconds },
      pools: states,
      floors: [...scheduledFloors(this.options.schedules, new Date(now)), ...prewarmFloors],
      memory,
      settings: this.options.settings,
    });

    const applied: ScalablePoolName[] = [];
    const failed: ScalablePoolName[] = [];
    let nextMemory = decision.memory;
    if (act) {
      for (const pool of deps.pools) {
        const planned = decision.pools.find((p) => p.name === pool.name);
        if (!planned || !mayAct()) continue;
        try {
          if (planned.desired !== planned.current) {
            await pool.setDesired(planned.desired);
            applied.push(pool.name);
          }
          if (pool.protectBusy) await pool.protectBusy(busyInstances(byPool.get(pool.name)));
        } catch (error) {
          failed.push(pool.name);
          nextMemory = forgetChange(nextMemory, memory, pool.name);
          deps.logger.error({ err: error, pool: pool.name, desired: planned.desired }, 'could not resize pool; retrying next tick');
        }
      }
    }
    const published = { ...decision, memory: undefined, dryRun: !act };
    if (decision.changed) deps.logger.info({ decision: published }, 'scaling decision');
    else deps.logger.debug({ decision: published }, 'no change');
    deps.metrics?.observe(decision, new Map(states.map((s) => [s.name, s.running])));

    const snapshot: FleetSnapshot = {
      at: decision.at,
      pools: states.map((state) => poolSnapshot(state, decision, byPool.get(state.name))),
      lastDecision: JSON.parse(JSON.stringify(published)) as Record<string, unknown>,
    };
    if (act) {
      await deps.memory.save(nextMemory);
      await deps.snapshots.publish(snapshot, this.options.snapshotTtlMs);
    }
    return { decision, snapshot, applied, failed };
  }

  private poolState(pool: CapacityPool, observed: PoolObservation, workers: readonly WorkerStatus[] = []): PoolState {
    const units = this.options.units.get(pool.name);
    if (!units) throw new Error(`no unit conversion configured for pool ${pool.name}`);
    return { name: pool.name, ...units, ...observed, busySlots: workers.reduce((sum, w) => sum + w.busy, 0) };
  }
}

function groupWorkers(workers: readonly WorkerStatus[]): Map<string, WorkerStatus[]> {
  const byPool = new Map<string, WorkerStatus[]>();
  for (const worker of workers) byPool.set(worker.pool, [...(byPool.get(worker.pool) ?? []), worker]);
  return byPool;
}

function busyInstances(workers: readonly WorkerStatus[] = []): Set<string> {
  return new Set(workers.flatMap((w) => (w.busy > 0 && w.instanceId ? [w.instanceId] : [])));
}

/** A change that failed did not happen: the next tick must not see a cooldown or a size it never set. */
function forgetChange(next: PolicyMemory, previous: PolicyMemory, pool: ScalablePoolName): PolicyMemory {
  const lastScaleOutAt = { ...next.lastScaleOutAt };
  const lastSetDesired = { ...next.lastSetDesired };
  if (previous.lastScaleOutAt[pool] === undefined) delete lastScaleOutAt[pool];
  else lastScaleOutAt[pool] = previous.lastScaleOutAt[pool];
  if (previous.lastSetDesired[pool] === undefined) delete lastSetDesired[pool];
  else lastSetDesired[pool] = previous.lastSetDesired[pool];
  return { ...next, lastScaleOutAt, lastSetDesired };
}

const KIND: Record<ScalablePoolName, FleetPoolSnapshot['kind']> = {
  local: 'local',
  spot: 'ec2-spot',
  'on-demand': 'ec2-on-demand',
  'burst-spot': 'fargate-spot',
  'burst-ondemand': 'fargate',
};

function poolSnapshot(state: PoolState, decision: Decision, workers: readonly WorkerStatus[] = []): FleetPoolSnapshot {
  const planned = decision.pools.find((p) => p.name === state.name);
  return {
    name: state.name,
    kind: KIND[state.name],
    unit: planned?.unit ?? 'slots',
    desired: planned?.desired ?? state.desired,
    running: state.running,
    busySlots: state.busySlots,
    totalSlots: workers.reduce((sum, w) => sum + w.slots, 0),
    min: state.min,
    max: state.max,
  };
}
