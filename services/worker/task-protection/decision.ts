/**
 * When a Fargate worker asks ECS for task scale-in protection, as a pure decision over plain data:
 * - busy (any slot running an agent): protect at once when not protected, and renew once
 *   `renewAfterMs` of the protection has passed, well before it lapses;
 * - idle: drop the protection only after `releaseAfterIdleMs` of uninterrupted idleness, so a run that
 *   ends just before the next one starts does not cost two calls and a moment without protection.
 * A failed call leaves the state as it was, so the next tick decides (and tries) again.
 */

export interface ProtectionPolicy {
  /** How long one grant protects the task (ExpiresInMinutes, in ms). */
  durationMs: number;
  /** A grant this old is renewed while the worker is busy. */
  renewAfterMs: number;
  /** The worker must be idle this long before the protection is dropped. */
  releaseAfterIdleMs: number;
}

export interface ProtectionState {
  /** When the grant in force was obtained (ms since epoch); undefined: not protected. */
  grantedAt?: number;
  /** Since when the worker has been idle; undefined while busy. */
  idleSince?: number;
}

export type ProtectionAction = 'protect' | 'release' | 'none';

/** Renewal at two thirds of the grant: a failed renewal still has a third of it to be retried. */
export const RENEW_FRACTION = 2 / 3;
/** The longest busy/idle flicker that does not drop protection. */
export const RELEASE_AFTER_IDLE_MS = 30_000;

export function protectionPolicy(minutes: number): ProtectionPolicy {
  const durationMs = minutes * 60_000;
  return { durationMs, renewAfterMs: durationMs * RENEW_FRACTION, releaseAfterIdleMs: RELEASE_AFTER_IDLE_MS };
}

/** The idle clock after observing `busy` at `now`. */
export function observeBusy(state: ProtectionState, busy: number, now: number): ProtectionState {
  if (busy > 0) return { grantedAt: state.grantedAt, idleSince: undefined };
  return { grantedAt: state.grantedAt, idleSince: state.idleSince ?? now };
}

export function decideProtection(state: ProtectionState, now: number, policy: ProtectionPolicy): ProtectionAction {
  const held = state.grantedAt !== undefined && now < state.grantedAt + policy.durationMs;
  if (state.idleSince === undefined) {
    return held && now < state.grantedAt! + policy.renewAfterMs ? 'none' : 'protect';
  }
  // A grant that has lapsed by itself needs no call to drop it.
  return held && now - state.idleSince >= policy.releaseAfterIdleMs ? 'release' : 'none';
}
