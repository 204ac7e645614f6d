import { IllegalTransitionError } from './errors.js';
import { countedAttempts, type Attempt, type AttemptOutcome, type Run, type RunError, type RunSpec, type RunStatus } from './model.js';

/**
 * The run state machine (DESIGN §5): which events apply to a run in which status, and what each does
 * to the run and its attempts. Pure: no I/O and no clock (every event carries its time), so the
 * store, the tests and any future reader agree on one definition of "legal".
 *
 *   queued  ──start──▶ running ──succeed──▶ succeeded
 *     ▲  │                │ ├──fail (no retry left / not retryable)──▶ failed
 *     │  │                │ ├──timeOut──▶ timed_out          (a timeout never retries)
 *     │  └──cancel / expire──▶ cancelled ◀──cancelled── (worker stopped the agent after a cancel request)
 *     │                   │
 *     └──fail (retryable, counted attempts left) / interrupt (not counted) / workerLost (counted)
 *
 * A cancel request on a running run only sets `cancelRequested`; it is honoured by the worker
 * (`cancelled`) or, if the attempt ends otherwise and the run would go back to the queue, by ending
 * the run `cancelled` instead of queueing it again. Terminal statuses never change.
 */

export type RunTransition =
  /** A worker begins a new attempt. */
  | { type: 'start'; at: string; worker: string }
  | { type: 'succeed'; at: string; result: unknown }
  /** `retryDelayMs` is used only if the run goes back to the queue (see backoff.ts). */
  | { type: 'fail'; at: string; error: RunError; retryable: boolean; retryDelayMs: number }
  /** The attempt exceeded the run's `timeoutSeconds`. */
  | { type: 'timeOut'; at: string }
  /** A client asked to cancel. */
  | { type: 'cancel'; at: string }
  /** The run's ttl passed before it ever started. */
  | { type: 'expire'; at: string }
  /** The worker stopped the agent because of a cancel request. */
  | { type: 'cancelled'; at: string }
  /** The worker handed the run back (Spot notice, scale-in, shutdown); not the run's fault. */
  | { type: 'interrupt'; at: string }
  /** The attempt's lease expired without a report: its worker died or lost Redis. */
  | { type: 'workerLost'; at: string };

export type RunTransitionType = RunTransition['type'];

export const RUN_TRANSITION_TYPES: readonly RunTransitionType[] = [
  'start',
  'succeed',
  'fail',
  'timeOut',
  'cancel',
  'expire',
  'cancelled',
  'interrupt',
  'workerLost',
];

export type TransitionResult = { ok: true; run: Run } | { ok: false; error: IllegalTransitionError };

/** Which statuses each event applies to; everything else is illegal. */
const LEGAL_FROM: Record<RunTransitionType, readonly RunStatus[]> = {
  start: ['queued'],
  succeed: ['running'],
  fail: ['running'],
  timeOut: ['running'],
  cancel: ['queued', 'running'],
  expire: ['queued'],
  cancelled: ['running'],
  interrupt: ['running'],
  workerLost: ['running'],
};

export function isLegal(status: RunStatus, type: RunTransitionType): boolean {
  return LEGAL_FROM[type].includes(status);
}

/** The run as it is when created: queued, no attempts. */
export function createRun(fields: { id: string; tenant: string; spec: RunSpec; createdAt: string }): Run {
  const { agent, input, timeoutSeconds, maxAttempts, priority, metadata, ttlSeconds, delaySeconds } = fields.spec;
  const run: Run = { agent, input, timeoutSeconds, maxAttempts, priority, metadata, id: fields.id, tenant: fields.tenant, status: 'queued', attempts: [], createdAt: fields.createdAt };
  if (ttlSeconds !== undefined) run.ttlSeconds = ttlSeconds;
  if (delaySeconds !== undefined) run.delaySeconds = delaySeconds;
  return run;
}

/** Applies `event` to `run`, returning a new run; an illegal event returns an error and no run. */
export function transition(run: Run, event: RunTransition): TransitionResult {
  if (!isLegal(run.status, event.type)) return illegal(run, event.type);
  if (event.type === 'start') return ok(startAttempt(run, event.worker, event.at));
  if (event.type === 'cancel') return ok(requestCancel(run, event.at));
  if (event.type === 'expire') return ok(expire(run, event.at));
  const open = run.attempts.at(-1);
  if (!open || open.outcome !== undefined) {
    return illegal(run, event.type, `a running run must have an open attempt to take the ${event.type} event`);
  }
  switch (event.type) {
    case 'succeed':
      return ok(copyWith(closeAttempt(run, 'succeeded', event.at), { status: 'succeeded', finishedAt: event.at, result: event.result }));
    case 'timeOut': {
      const error = { type: 'timed_out', message: `the attempt ran longer than the run's ${run.timeoutSeconds} s timeout` };
      return ok(finishRun(closeAttempt(run, 'timed_out', event.at, error), 'timed_out', event.at, error));
    }
    case 'cancelled':
      return ok(finishRun(closeAttempt(run, 'cancelled', event.at), 'cancelled', event.at));
    case 'interrupt':
      return ok(requeue(closeAttempt(run, 'interrupted', event.at), event.at));
    case 'fail':
      return ok(failAttempt(run, event.error, event.retryable, event.at, event.retryDelayMs));
    case 'workerLost': {
      const error = { type: 'worker_lost', message: `worker ${open.worker} stopped renewing its lease` };
      return ok(failAttempt(run, error, true, event.at, 0));
    }
  }
}

function ok(run: Run): TransitionResult {
  return { ok: true, run };
}

function illegal(run: Run, type: RunTransitionType, reason?: string): TransitionResult {
  return { ok: false, error: new IllegalTransitionError(run.id, run.status, type, reason) };
}

/** A queued run ends at once; a running one is flagged for its worker (idempotent). */
function requestCancel(run: Run, at: string): Run {
  if (run.status === 'queued') return finishRun(run, 'cancelled', at);
  return run.cancelRequested ? run : copyWith(run, { cancelRequested: true });
}

function expire(run: Run, at: string): Run {
  return finishRun(run, 'cancelled', at, { type: 'expired', message: `not started within its ttl of ${run.ttlSeconds ?? 0} s` });
}

function startAttempt(run: Run, worker: string, at: string): Run {
  const attempt: Attempt = { number: run.attempts.length + 1, worker, startedAt: at };
  const { nextAttemptAt: _waited, ...rest } = run;
  return copyWith(rest, { status: 'running', startedAt: run.startedAt ?? at, attempts: [...run.attempts, attempt] });
}

function closeAttempt(run: Run, outcome: AttemptOutcome, at: string, error?: RunError): Run {
  const attempts = run.attempts.slice();
  const open = attempts[attempts.length - 1] as Attempt;
  attempts[attempts.length - 1] = copyWith(open, error ? { finishedAt: at, outcome, error } : { finishedAt: at, outcome });
  return copyWith(run, { attempts });
}

/** A failed attempt retries while it is retryable and the run has counted attempts left. */
function failAttempt(run: Run, error: RunError, retryable: boolean, at: string, retryDelayMs: number): Run {
  const closed = closeAttempt(run, 'failed', at, error);
  if (retryable && countedAttempts(closed) < closed.maxAttempts) {
    return requeue(closed, at, retryDelayMs > 0 ? new Date(Date.parse(at) + retryDelayMs).toISOString() : undefined);
  }
  return finishRun(closed, 'failed', at, error);
}

/** Back to the queue, unless a client asked to cancel: then the run ends here. */
function requeue(run: Run, at: string, nextAttemptAt?: string): Run {
  if (run.cancelRequested) return finishRun(run, 'cancelled', at);
  const { nextAttemptAt: _previous, ...rest } = run;
  return copyWith<Run>(rest, nextAttemptAt ? { status: 'queued', nextAttemptAt } : { status: 'queued' });
}

function finishRun(run: Run, status: RunStatus, at: string, error?: RunError): Run {
  const { nextAttemptAt: _never, ...rest } = run;
  return copyWith(rest, error ? { status, finishedAt: at, error } : { status, finishedAt: at });
}

/**
 * `{ ...base, ...changes }`. Built with Object.assign because V8 copies `{ ...base, key }` through a
 * slow path (microseconds a copy) whenever `key` is new to `base`, and every attempt runs these.
 */
function copyWith<T extends object>(base: T, changes: Partial<T>): T {
  return Object.assign({}, base, changes);
}

/** The attempt a running run is executing. */
export function openAttempt(run: Run): Attempt | undefined {
  const last = run.attempts.at(-1);
  return run.status === 'running' && last && last.outcome === undefined ? last : undefined;
}
