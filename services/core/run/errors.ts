import type { RunStatus } from './model.js';

/** Errors of the run model and the run store; callers branch on the class. */

/** The event does not apply to a run in this status (e.g. `succeed` on a queued run). The run is unchanged. */
export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';

  constructor(
    readonly runId: string,
    readonly status: RunStatus,
    readonly event: string,
    reason = `a ${status} run cannot take the ${event} event`,
  ) {
    super(`run ${runId}: ${reason}`);
  }
}

/** A position this store did not hand out (or that was altered): a listing `cursor` or an event id (`after`). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';

  constructor(
    detail: string,
    readonly field: 'cursor' | 'after' = 'cursor',
  ) {
    super(`${field}: ${detail}`);
  }
}

/**
 * A transition kept losing its compare-and-set to concurrent writers and gave up. Nothing was
 * written; the caller may retry (a worker hands its delivery back).
 */
export class TransitionContentionError extends Error {
  override readonly name = 'TransitionContentionError';

  constructor(
    readonly runId: string,
    readonly tries: number,
  ) {
    super(`run ${runId}: gave up after ${tries} concurrent-update conflicts`);
  }
}

/**
 * An idempotency key replayed with a request other than the one that created its run. Nothing was
 * written; the run the key names is untouched.
 */
export class IdempotencyKeyReusedError extends Error {
  override readonly name = 'IdempotencyKeyReusedError';

  constructor(readonly runId: string) {
    super(`the idempotency key already names run ${runId}, created by a different request`);
  }
}
