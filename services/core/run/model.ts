/**
 * The run model shared by every service: statuses, attempt outcomes and the run object that
 * the HTTP API returns (DESIGN §5). Pure data; the legal moves between statuses live in
 * state-machine.ts.
 */

export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

export const ATTEMPT_OUTCOMES = ['succeeded', 'failed', 'timed_out', 'interrupted', 'cancelled'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** What went wrong, in a form a client can branch on (`type`) and a human can read (`message`). */
export interface RunError {
  type: string;
  message: string;
}

/** One try at executing a run. `outcome` is absent while the attempt is still running. */
export interface Attempt {
  /** 1-based ordinal over every attempt of the run, interrupted ones included. */
  number: number;
  worker: string;
  startedAt: string;
  finishedAt?: string;
  outcome?: AttemptOutcome;
  error?: RunError;
}

/** What a client asks for; defaults are applied by the API before a run is created. */
export interface RunSpec {
  agent: string;
  input: unknown;
  timeoutSeconds: number;
  maxAttempts: number;
  priority: number;
  metadata: Record<string, string>;
  /** Not started this long after it became eligible (creation + delay): ends `cancelled`, error type `expired`. */
  ttlSeconds?: number;
  /** Not started before this long after its creation. */
  delaySeconds?: number;
}

export interface Run extends RunSpec {
  id: string;
  tenant: string;
  status: RunStatus;
  attempts: Attempt[];
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  result?: unknown;
  error?: RunError;
  /** Set when a client asked to cancel a running run; the worker holding it stops the agent. */
  cancelRequested?: boolean;
  /** When a queued run that is waiting out a retry backoff becomes eligible again. */
  nextAttemptAt?: string;
}

/** When a run may first start, ms since epoch. */
export function eligibleAt(run: Pick<Run, 'createdAt' | 'delaySeconds'>): number {
  return Date.parse(run.createdAt) + (run.delaySeconds ?? 0) * 1000;
}

/** When a run that has not started by then expires, ms since epoch; undefined without a ttl. */
export function expiresAt(run: Pick<Run, 'createdAt' | 'delaySeconds' | 'ttlSeconds'>): number | undefined {
  return run.ttlSeconds === undefined ? undefined : eligibleAt(run) + run.ttlSeconds * 1000;
}

/** Attempts that count against `maxAttempts`: an interruption (Spot notice, scale-in) is not the run's fault. */
export function countedAttempts(run: Pick<Run, 'attempts'>): number {
  return run.attempts.filter((a) => a.outcome !== 'interrupted').length;
}
