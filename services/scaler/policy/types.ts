import type { PoolName } from '../../../environments/index.js';

/**
 * The plain data the scaling policy decides over. Everything here is a value: no clients, no clocks.
 *
 * Capacity units differ by pool kind and are never mixed:
 * - EC2 pools (`spot`, `on-demand`) count in ASG capacity units, which are slots (weighted capacity);
 * - Fargate pools (`burst-spot`, `burst-ondemand`) count in tasks;
 * - the `local` pool of `agentfleet dev` counts in worker processes.
 * `slotsPerUnit` converts a pool's units to slots; `unitsPerInstance` converts the brief's "instances"
 * (of the pool's nominal type) to units.
 */

export type ScalablePoolName = PoolName | 'local';

export interface QueueState {
  /** Messages ready to be received (SQS ApproximateNumberOfMessagesVisible). */
  visible: number;
  /** Messages received and not yet finished: runs in progress. */
  inFlight: number;
  /** Age of the oldest run waiting to start, for the decision log. */
  oldestAgeSeconds: number;
}

export interface PoolState {
  name: ScalablePoolName;
  /** What the pool is asked to hold now (ASG DesiredCapacity, ECS desiredCount, local target). */
  desired: number;
  /** Units in service. */
  running: number;
  /** Units asked for and not in service yet (instances booting, tasks PROVISIONING/PENDING). */
  pending: number;
  /** Slots of this pool running a run now (from the worker registry). */
  busySlots: number;
  /** Bounds the pool accepts, in units (the ASG's MinSize/MaxSize; a Fargate pool's config). */
  min: number;
  max: number;
  slotsPerUnit: number;
  unitsPerInstance: number;
}

/** A pool must keep at least `instances` (of its nominal type) because of `source`. */
export interface Floor {
  pool: ScalablePoolName;
  instances: number;
  /** A pre-warm schedule's name, or `prewarm` for a floor raised by `agentfleet scaler prewarm`. */
  source: string;
  /** ms since epoch when a `scaler prewarm` floor lapses; absent for scheduled floors. */
  until?: number;
}

/**
 * What the policy must remember between ticks. The scaler passes the memory the previous decision
 * returned back in, so the function stays pure and a restarted scaler only loses cooldown timers.
 */
export interface PolicyMemory {
  /** ms since epoch of each pool's last scale-out (by the scaler, a floor, or anyone else). */
  lastScaleOutAt: Partial<Record<ScalablePoolName, number>>;
  /** The desired size the scaler last set per pool; a larger observed size means someone else scaled out. */
  lastSetDesired: Partial<Record<ScalablePoolName, number>>;
  /** ms since epoch since when `burst-spot` has had tasks pending without a break. */
  burstSpotPendingSince?: number;
}

export const EMPTY_MEMORY: PolicyMemory = { lastScaleOutAt: {}, lastSetDesired: {} };

export interface StepRuleSettings {
  visibleAbove: number;
  addInstances: number;
  enableBurst: boolean;
}

/** The scaling knobs of an environment, read once from its EnvironmentConfig (see settings.ts). */
export interface PolicySettings {
  policy: 'step' | 'backlog';
  /** Ascending by `visibleAbove`. */
  stepRules: readonly StepRuleSettings[];
  targetBacklogPerSlot: number;
  scaleOutCooldownSeconds: number;
  scaleInCooldownSeconds: number;
  maxScaleInPercentPerTick: number;
  /** Cap on burst-spot + burst-ondemand tasks together. */
  maxBurstTasks: number;
  moveToOnDemandAfterSeconds: number;
  split: { spot: number; 'on-demand': number; burst: number };
}

export interface DecisionInput {
  /** ms since epoch. */
  now: number;
  queue: QueueState;
  /** The four AWS pools (burst pools optional), or the single `local` pool. */
  pools: readonly PoolState[];
  floors: readonly Floor[];
  memory: PolicyMemory;
  settings: PolicySettings;
}

export type ReasonCode =
  | 'step-rule'
  | 'step-idle'
  | 'backlog'
  | 'split'
  | 'burst'
  | 'burst-off'
  | 'burst-fallback'
  | 'scale-out-cooldown'
  | 'scale-in-cooldown'
  | 'slow-scale-in'
  | 'external-scale-out'
  | 'min'
  | 'floor'
  | 'busy'
  | 'max';

export interface Reason {
  code: ReasonCode;
  message: string;
}

export interface PoolDecision {
  name: ScalablePoolName;
  unit: 'slots' | 'tasks' | 'workers';
  current: number;
  desired: number;
  currentSlots: number;
  desiredSlots: number;
  /** EC2 pools: the sizes in instances of the nominal type (rounded up). */
  currentInstances?: number;
  desiredInstances?: number;
  reasons: Reason[];
}

export interface Decision {
  /** ISO time of the decision. */
  at: string;
  policy: 'step' | 'backlog';
  queue: QueueState;
  /** The step rule that fired, if any. */
  rule?: StepRuleSettings;
  /** Slots the policy wants the primary pools (EC2, or local) to hold before floors and limits. */
  targetSlots: number;
  pools: PoolDecision[];
  /** True when at least one pool's desired size differs from its current one. */
  changed: boolean;
  /** Pass this back in as `memory` on the next tick. */
  memory: PolicyMemory;
}
