import type { PolicyMemory, PolicySettings, PoolState } from './types.js';
import type { RawTarget } from './placement.js';

/**
 * Fargate Spot first, On-Demand for the shortfall (DESIGN §1: Fargate never falls back by itself).
 *
 * All burst tasks are asked of `burst-spot`. When `burst-spot` has had tasks pending (not RUNNING)
 * for `moveToOnDemandAfterSeconds` without a break, Spot has no capacity for them, and
 * `burst-ondemand` is asked for what Spot has not started: burst tasks − Spot tasks running.
 * The Spot request stays open (a pending Fargate task costs nothing), so when Spot capacity returns
 * its tasks start, the shortfall shrinks and `burst-ondemand` is scaled in slowly. Lowering the Spot
 * request instead would clear the pending tasks, end the fallback and flap between the two.
 * At decision time, Spot tasks running + On-Demand tasks asked for never exceed the burst target
 * (≤ `maxBurstTasks`); only Spot tasks that start late overlap On-Demand ones until those scale in.
 */
export interface BurstSplit {
  spot: RawTarget;
  onDemand: RawTarget;
  pendingSince: number | undefined;
}

export function splitBurst(
  tasks: number,
  spot: PoolState,
  now: number,
  memory: PolicyMemory,
  settings: PolicySettings,
): BurstSplit {
  const pendingSince = spot.pending > 0 ? (memory.burstSpotPendingSince ?? now) : undefined;
  const pendingSeconds = pendingSince === undefined ? 0 : Math.floor((now - pendingSince) / 1000);
  const stuck = pendingSince !== undefined && pendingSeconds >= settings.moveToOnDemandAfterSeconds;
  const shortfall = stuck ? Math.max(0, tasks - spot.running) : 0;
  return {
    pendingSince,
    spot: { units: tasks, reasons: [] },
    onDemand: {
      units: shortfall,
      reasons: stuck
        ? [
            {
              code: 'burst-fallback',
              message: `${spot.pending} Fargate Spot tasks pending for ${pendingSeconds}s (≥ ${settings.moveToOnDemandAfterSeconds}s): On-Demand runs the ${shortfall} of ${tasks} burst tasks Spot has not started`,
            },
          ]
        : [
            {
              code: 'burst',
              message:
                pendingSince === undefined
                  ? 'Fargate Spot first: On-Demand takes only what Spot leaves pending'
                  : `${spot.pending} Fargate Spot tasks pending for ${pendingSeconds}s: On-Demand takes over at ${settings.moveToOnDemandAfterSeconds}s`,
            },
          ],
    },
  };
}
