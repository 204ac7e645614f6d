import type { DecisionInput } from './types.js';
import type { FleetTarget } from './target.js';

/**
 * Proportional scaling on backlog per slot (AWS's "backlog per instance", KEDA's queue-length target):
 * runs take minutes, so messages in flight count as much as visible ones.
 *   slots = ceil((visible + inFlight) / targetBacklogPerSlot)
 * The target is absolute, so evaluating it again never compounds; the burst pools may always bridge
 * what EC2 has not brought into service yet (placement.ts decides how much).
 */
export function backlogTarget(input: DecisionInput): FleetTarget {
  const { visible, inFlight } = input.queue;
  const perSlot = input.settings.targetBacklogPerSlot;
  const slots = Math.ceil((visible + inFlight) / perSlot);
  return {
    slots,
    burst: true,
    reasons: [{ code: 'backlog', message: `(${visible} visible + ${inFlight} in flight) / ${perSlot} per slot = ${slots} slots` }],
  };
}
