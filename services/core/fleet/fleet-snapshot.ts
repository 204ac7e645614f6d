import type { Redis } from 'ioredis';

/**
 * What the scaler last saw and decided, published each tick for GET /v1/fleet. It expires on its own
 * a few ticks after the scaler stops publishing, so a dead scaler's numbers are never shown as live
 * (the API then falls back to the worker registry alone).
 *
 * Units: `desired`, `running`, `min` and `max` are in the pool's capacity units: slots for EC2 pools
 * (ASG weighted capacity), tasks for Fargate pools, worker processes for the local pool; `unit` says
 * which. `busySlots` and `totalSlots` are slots of the workers that report to the registry.
 */
export interface FleetPoolSnapshot {
  name: string;
  kind: 'local' | 'ec2-spot' | 'ec2-on-demand' | 'fargate-spot' | 'fargate';
  unit: 'slots' | 'tasks' | 'workers';
  desired: number;
  running: number;
  busySlots: number;
  totalSlots: number;
  min: number;
  max: number;
}

export interface FleetSnapshot {
  /** ISO time of the tick that published it. */
  at: string;
  pools: FleetPoolSnapshot[];
  /** The scaler's latest decision with its reasons. */
  lastDecision: Record<string, unknown> | null;
}

const KEY = 'af:scaler:fleet';

export class FleetSnapshotStore {
  constructor(private readonly redis: Redis) {}

  async publish(snapshot: FleetSnapshot, ttlMs: number): Promise<void> {
    await this.redis.set(KEY, JSON.stringify(snapshot), 'PX', ttlMs);
  }

  async read(): Promise<FleetSnapshot | undefined> {
    const json = await this.redis.get(KEY);
    return json ? (JSON.parse(json) as FleetSnapshot) : undefined;
  }
}
