import type { TickOutcome } from './loop.js';
import type { Scaler } from './main.js';

/**
 * `agentfleet scaler tick`: one tick, acting only while this process holds the leader lease, so a
 * one-shot tick never fights the running scaler. Unless `dryRun`, it takes the lease if it is free
 * and gives it back afterwards; when another scaler holds it, the tick only decides.
 */

export interface OneShotTick {
  outcome: TickOutcome;
  /** False for a dry run and when another scaler held the lease. */
  acted: boolean;
}

export async function tickOnce(scaler: Scaler, options: { dryRun: boolean; onLeaseHeld?: (holder: string | null) => void }): Promise<OneShotTick> {
  let act = !options.dryRun;
  if (act && !(await scaler.lease.acquireOrRenew())) {
    options.onLeaseHeld?.(await scaler.lease.currentHolder());
    act = false;
  }
  const outcome = await scaler.tick({ act, mayAct: () => scaler.lease.holds() });
  if (act) await scaler.lease.release();
  return { outcome, acted: act };
}
