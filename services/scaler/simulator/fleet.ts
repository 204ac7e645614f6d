import type { PoolName } from '../../../environments/index.js';
import type { PoolShape } from '../policy/settings.js';
import type { PoolState } from '../policy/types.js';
import { AWS_MODEL, type SecondsRange } from './aws-model.js';
import type { Random } from './random.js';
import type { TokenBucket } from './token-bucket.js';

/**
 * The pools as AWS would run them, machine by machine: an EC2 instance of the pool's nominal type or
 * a Fargate task. The scaler sets a pool's desired size; the pool launches (within the API's launch
 * rate) or removes machines to match it. A machine boots for a drawn time before its worker takes
 * runs. Scale-in removes machines that are not yet in service first, then idle ones; a busy machine is
 * protected (as the scaler protects busy instances and tasks) and goes once it is idle. A Spot machine
 * may get its 2-minute notice at any time; the ASG or ECS service then launches a replacement.
 */

export type MachineState = 'unplaced' | 'booting' | 'ready' | 'noticed' | 'gone';

export interface Run {
  readonly id: number;
  readonly arrivedAt: number;
  readonly seconds: number;
  /** When this attempt entered the queue (arrival, or hand-back after a Spot notice). */
  queuedAt: number;
  attempt: number;
  startedAt: number;
  machine: Machine | undefined;
}

export interface Machine {
  readonly id: number;
  readonly pool: SimPool;
  state: MachineState;
  /** When billing started (launch); NaN while AWS has not placed it. */
  launchedAt: number;
  readonly runs: Set<Run>;
}

export interface PoolSpec {
  shape: PoolShape;
  /** Policy units one machine holds (EC2: the nominal instance's slots; Fargate: 1 task). */
  unitsPerMachine: number;
  slotsPerMachine: number;
  readySeconds: SecondsRange;
  spot: boolean;
  launches: TokenBucket;
  /** Machines AWS can place at once (a Fargate Spot shortage); the others stay pending. */
  placeable: number;
}

export class SimPool {
  desired: number;
  readonly machines = new Set<Machine>();
  billedMachineSeconds = 0;
  launched = 0;
  reclaimed = 0;
  /** A launch retry is on the agenda (launches held back by the API's rate limit). */
  retryScheduled = false;

  constructor(readonly spec: PoolSpec) {
    this.desired = spec.shape.min;
  }

  get name(): PoolName {
    return this.spec.shape.name as PoolName;
  }

  count(...states: MachineState[]): number {
    let n = 0;
    for (const machine of this.machines) if (states.includes(machine.state)) n++;
    return n;
  }

  busySlots(): number {
    let busy = 0;
    for (const machine of this.machines) busy += machine.runs.size;
    return busy;
  }

  /** Units the pool holds or is bringing up (noticed machines are leaving and do not count). */
  capacityUnits(): number {
    return this.count('unplaced', 'booting', 'ready') * this.spec.unitsPerMachine;
  }

  /** What the scaler observes: the policy's PoolState. */
  state(): PoolState {
    const running = this.count('ready') * this.spec.unitsPerMachine;
    return { ...this.spec.shape, desired: this.desired, running, pending: Math.max(0, this.desired - running), busySlots: this.busySlots() };
  }
}

export type FleetEvent = { kind: 'ready'; machine: Machine } | { kind: 'notice'; machine: Machine } | { kind: 'reclaim'; machine: Machine } | { kind: 'launch'; pool: SimPool };

export interface FleetOptions {
  random: Random;
  schedule: (at: number, event: FleetEvent) => void;
  /** Per-second hazard of a Spot reclaim. */
  spotHazardPerSecond: number;
  /** Billing counts inside [0, windowEnd) only: the trace, not its warm-up. */
  windowEnd: number;
}

export class Fleet {
  /** Machines in service with a free slot, longest free first. */
  readonly free = new Set<Machine>();
  /** Slots of machines in service (ready, or noticed and finishing their runs). */
  inServiceSlots = 0;
  private nextId = 0;

  constructor(
    readonly pools: readonly SimPool[],
    private readonly options: FleetOptions,
  ) {}

  /** Machines already in service when the simulation starts (the pools' floors). */
  seed(pool: SimPool, units: number, now: number): void {
    pool.desired = units;
    const machines = Math.ceil(units / pool.spec.unitsPerMachine);
    for (let i = 0; i < machines; i++) this.ready(this.add(pool, 'booting', now), now);
  }

  /** Launches or removes machines so the pool matches its desired size. */
  reconcile(pool: SimPool, now: number): void {
    const target = Math.ceil(pool.desired / pool.spec.unitsPerMachine);
    let active = pool.count('unplaced', 'booting', 'ready');
    if (active < target) {
      const granted = pool.spec.launches.take(target - active, now);
      for (let i = 0; i < granted; i++) this.add(pool, 'unplaced', now);
      active += granted;
      if (active < target && !pool.retryScheduled) {
        pool.retryScheduled = true;
        this.options.schedule(pool.spec.launches.nextTokenAt(now), { kind: 'launch', pool });
      }
    }
    for (const state of ['unplaced', 'booting', 'ready'] as const) {
      for (const machine of pool.machines) {
        if (active <= target) break;
        if (machine.state !== state || machine.runs.size > 0) continue;
        this.terminate(machine, now);
        active--;
      }
    }
    this.place(pool, now);
  }

  startRun(machine: Machine, run: Run): void {
    machine.runs.add(run);
    run.machine = machine;
    if (machine.runs.size >= machine.pool.spec.slotsPerMachine) this.free.delete(machine);
  }

  endRun(run: Run): void {
    const machine = run.machine;
    if (!machine) return;
    machine.runs.delete(run);
    run.machine = undefined;
    if (machine.state === 'ready' && !this.free.has(machine)) this.free.add(machine);
  }

  ready(machine: Machine, now: number): void {
    if (machine.state !== 'booting') return;
    machine.state = 'ready';
    this.inServiceSlots += machine.pool.spec.slotsPerMachine;
    this.free.add(machine);
    if (machine.pool.spec.spot && this.options.spotHazardPerSecond > 0) {
      this.options.schedule(now + this.options.random.exponential(1 / this.options.spotHazardPerSecond), { kind: 'notice', machine });
    }
  }

  /** The 2-minute notice: the machine takes no more runs and is reclaimed when the notice runs out. */
  notice(machine: Machine, now: number): void {
    if (machine.state !== 'ready') return;
    machine.state = 'noticed';
    this.free.delete(machine);
    machine.pool.reclaimed++;
    this.options.schedule(now + AWS_MODEL.spotNoticeSeconds, { kind: 'reclaim', machine });
  }

  /** Ends a machine and bills it: per second, at least a minute, counted inside the trace's window. */
  terminate(machine: Machine, now: number): void {
    if (machine.state === 'gone') return;
    if (!Number.isNaN(machine.launchedAt)) {
      const end = Math.max(now, machine.launchedAt + AWS_MODEL.minimumBilledSeconds);
      machine.pool.billedMachineSeconds += Math.max(0, Math.min(end, this.options.windowEnd) - Math.max(machine.launchedAt, 0));
    }
    if (machine.state === 'ready' || machine.state === 'noticed') this.inServiceSlots -= machine.pool.spec.slotsPerMachine;
    machine.state = 'gone';
    this.free.delete(machine);
    machine.pool.machines.delete(machine);
  }

  /** Bills the machines still up at the end. */
  close(now: number): void {
    for (const pool of this.pools) for (const machine of [...pool.machines]) this.terminate(machine, now);
  }

  private add(pool: SimPool, state: 'unplaced' | 'booting', now: number): Machine {
    const machine: Machine = { id: this.nextId++, pool, state, launchedAt: state === 'booting' ? now : Number.NaN, runs: new Set() };
    pool.machines.add(machine);
    pool.launched++;
    return machine;
  }

  /** AWS places pending machines while it has capacity; each then boots for its drawn time. */
  private place(pool: SimPool, now: number): void {
    let placed = pool.count('booting', 'ready', 'noticed');
    for (const machine of pool.machines) {
      if (placed >= pool.spec.placeable) return;
      if (machine.state !== 'unplaced') continue;
      machine.state = 'booting';
      machine.launchedAt = now;
      placed++;
      const { min, max } = pool.spec.readySeconds;
      this.options.schedule(now + this.options.random.uniform(min, max), { kind: 'ready', machine });
    }
  }
}
