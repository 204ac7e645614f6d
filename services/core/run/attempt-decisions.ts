import type { AttemptReport } from './store.js';
import { countedAttempts, eligibleAt, expiresAt, isTerminal, type Run } from './model.js';
import { retryDelayMs, type BackoffPolicy } from './backoff.js';
import { transition, type RunTransition } from './state-machine.js';

/**
 * What a worker's start and finish calls do, decided from the stored run and the clock: pure, so the
 * Redis store only has to make the decision stick atomically (and recompute it if it lost a race).
 */

/** The attempt lease as stored beside the run. `expiresAt` is ms since epoch. */
export interface LeaseRecord {
  token: string;
  expiresAt: number;
}

export type StartDecision =
  /** Write `run` (now running, with a new attempt) under a new lease. */
  | { kind: 'start'; run: Run }
  /** Another attempt holds a live lease. */
  | { kind: 'busy'; retryAfterMs: number }
  /** The run's delay has not passed yet: it may start in `retryAfterMs`. */
  | { kind: 'early'; retryAfterMs: number }
  /** Nothing to run. When `changed`, `run` must be written (a lost attempt used up the last try). */
  | { kind: 'finished'; run: Run; changed: boolean };

export interface StartContext {
  worker: string;
  /** ms since epoch. */
  now: number;
  /** Added to a live lease's remaining time, so the watchdog copy comes back after it could have lapsed. */
  busyMarginMs: number;
}

export function decideStart(run: Run, lease: LeaseRecord | undefined, context: StartContext): StartDecision {
  const at = new Date(context.now).toISOString();
  if (isTerminal(run.status)) return { kind: 'finished', run, changed: false };
  if (run.status === 'queued' && run.attempts.length === 0) {
    const expiry = expiresAt(run);
    if (expiry !== undefined && context.now >= expiry) return { kind: 'finished', run: apply(run, { type: 'expire', at }), changed: true };
    const eligible = eligibleAt(run);
    if (context.now < eligible) return { kind: 'early', retryAfterMs: eligible - context.now };
  }
  if (run.status === 'queued') return { kind: 'start', run: apply(run, { type: 'start', at, worker: context.worker }) };
  if (lease && lease.expiresAt > context.now) {
    return { kind: 'busy', retryAfterMs: lease.expiresAt - context.now + context.busyMarginMs };
  }
  const afterLoss = apply(run, { type: 'workerLost', at });
  if (isTerminal(afterLoss.status)) return { kind: 'finished', run: afterLoss, changed: true };
  return { kind: 'start', run: apply(afterLoss, { type: 'start', at, worker: context.worker }) };
}

export type FinishDecision = { kind: 'done'; run: Run } | { kind: 'retry'; run: Run; delayMs: number };

export interface FinishContext {
  /** ms since epoch. */
  now: number;
  backoff: BackoffPolicy;
  random: () => number;
}

export function decideFinish(run: Run, report: AttemptReport, context: FinishContext): FinishDecision {
  const at = new Date(context.now).toISOString();
  const next = apply(run, eventForReport(run, report, at, context));
  if (isTerminal(next.status)) return { kind: 'done', run: next };
  const delayMs = next.nextAttemptAt ? Math.max(0, Date.parse(next.nextAttemptAt) - context.now) : 0;
  return { kind: 'retry', run: next, delayMs };
}

function eventForReport(run: Run, report: AttemptReport, at: string, context: FinishContext): RunTransition {
  switch (report.outcome) {
    case 'succeeded':
      return { type: 'succeed', at, result: report.result };
    case 'failed':
      return {
        type: 'fail',
        at,
        error: report.error,
        retryable: report.retryable ?? true,
        // The attempt being closed counts, so the first failure gets the first retry's delay.
        retryDelayMs: retryDelayMs(countedAttempts(run), context.backoff, context.random),
      };
    case 'timed_out':
      return { type: 'timeOut', at };
    case 'cancelled':
      return { type: 'cancelled', at };
    case 'interrupted':
      return { type: 'interrupt', at };
  }
}

/** The callers only ask for transitions the run's status allows; anything else is a corrupt record. */
function apply(run: Run, event: RunTransition): Run {
  const result = transition(run, event);
  if (!result.ok) throw result.error;
  return result.run;
}
