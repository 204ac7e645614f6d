import type { FleetSnapshot } from '../core/fleet/fleet-snapshot.js';
import { summarizePools, type WorkerStatus } from '../core/fleet/worker-registry.js';
import type { FleetWorker, Pool } from './schemas.js';

const KIND_BY_POOL: Record<string, Pool['kind']> = {
  local: 'local',
  spot: 'ec2-spot',
  'on-demand': 'ec2-on-demand',
  'burst-spot': 'fargate-spot',
  'burst-ondemand': 'fargate',
};

/**
 * /v1/fleet's pools as seen from the worker registry alone: until a scaler publishes its targets,
 * a pool's desired size, min and max are the workers it has now (a local pool is fixed anyway).
 */
export function poolsFromWorkers(workers: readonly WorkerStatus[]): Pool[] {
  return summarizePools(workers).map((pool) => ({
    name: pool.name,
    kind: KIND_BY_POOL[pool.name] ?? 'local',
    desired: pool.running,
    running: pool.running,
    busySlots: pool.busySlots,
    totalSlots: pool.totalSlots,
    min: pool.running,
    max: pool.running,
  }));
}

/**
 * /v1/fleet's pools while a scaler runs: its pools with their desired size, units in service and
 * bounds (in each pool's units: slots for EC2, tasks for Fargate, workers for local), and the busy and
 * total slots of the workers reporting now (fresher than the scaler's last tick).
 */
export function poolsFromSnapshot(snapshot: FleetSnapshot, workers: readonly WorkerStatus[]): Pool[] {
  const live = new Map(summarizePools(workers).map((pool) => [pool.name, pool]));
  return snapshot.pools.map((pool) => ({
    name: pool.name,
    kind: pool.kind,
    desired: pool.desired,
    running: pool.running,
    busySlots: live.get(pool.name)?.busySlots ?? 0,
    totalSlots: live.get(pool.name)?.totalSlots ?? 0,
    min: pool.min,
    max: pool.max,
  }));
}

/** /v1/fleet's workers: by pool, then id, with times as ISO strings. */
export function fleetWorkers(workers: readonly WorkerStatus[]): FleetWorker[] {
  return [...workers]
    .sort((a, b) => a.pool.localeCompare(b.pool) || a.id.localeCompare(b.id))
    .map((worker) => ({
      id: worker.id,
      pool: worker.pool,
      ...(worker.instanceId ? { instanceId: worker.instanceId } : {}),
      slots: worker.slots,
      busy: worker.busy,
      draining: worker.draining,
      breaker: worker.breaker,
      ...(worker.agentBreakers ? { agentBreakers: worker.agentBreakers } : {}),
      startedAt: worker.startedAt,
      seenAt: new Date(worker.seenAt).toISOString(),
    }));
}
