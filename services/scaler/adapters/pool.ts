import type { ScalablePoolName } from '../policy/types.js';

/**
 * One interface over every kind of capacity the scaler drives: an EC2 Auto Scaling group, an ECS
 * service, or `agentfleet dev`'s local worker processes. Adapters are thin: they read and set sizes
 * in the pool's own units (ASG capacity units = slots, ECS tasks, local workers) and decide nothing.
 */
export interface PoolObservation {
  desired: number;
  running: number;
  pending: number;
  min: number;
  max: number;
}

export interface CapacityPool {
  readonly name: ScalablePoolName;
  readonly kind: 'ec2-asg' | 'fargate' | 'local';
  observe(): Promise<PoolObservation>;
  setDesired(units: number): Promise<void>;
  /**
   * Keeps instances whose workers are running runs out of the pool's scale-in (ASG instance
   * protection); pools that choose what to stop themselves do not need it.
   */
  protectBusy?(busyInstanceIds: ReadonlySet<string>): Promise<void>;
}

/** The pool's cloud resource does not exist (wrong environment, or the stack is not deployed). */
export class PoolNotFoundError extends Error {
  override readonly name = 'PoolNotFoundError';
  constructor(
    readonly pool: ScalablePoolName,
    readonly resource: string,
  ) {
    super(`pool ${pool}: ${resource} not found`);
  }
}
