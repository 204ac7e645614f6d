import type { Run, RunError, RunSpec, RunStatus } from './model.js';
import type { RunMessage } from '../queue/message.js';

/**
 * The run store contract: the run's state lives in Redis (redis-run-store.ts implements this).
 * Every change of status is one atomic Redis script, guarded by the attempt's lease token, so a
 * duplicate delivery can never run or finish a run twice.
 */

/** Proof that this worker holds the current attempt of a run. */
export interface Lease {
  runId: string;
  attempt: number;
  token: string;
}

export type StartResult =
  /** The run is now `running` under this lease; execute it. */
  | { kind: 'started'; run: Run; lease: Lease }
  /** Another worker holds a live lease: hand the delivery back for `retryAfterMs` (watchdog copy). */
  | { kind: 'busy'; retryAfterMs: number }
  /** The run's delay has not passed (a queue that cannot delay that long): hand the delivery back for `retryAfterMs`. */
  | { kind: 'early'; retryAfterMs: number }
  /** The run is already terminal (or expired now, before its first start) (or cancelled while queued): drop the delivery. */
  | { kind: 'finished'; run: Run };

/** How an attempt ended, as the worker saw it. */
export type AttemptReport =
  | { outcome: 'succeeded'; result: unknown }
  | { outcome: 'failed'; error: RunError; retryable?: boolean }
  | { outcome: 'timed_out' }
  | { outcome: 'cancelled' }
  | { outcome: 'interrupted' };

export type FinishResult =
  /** Terminal: ack the delivery. */
  | { kind: 'done'; run: Run }
  /** Queued again: release the delivery after `delayMs` with `message` as the new body. */
  | { kind: 'retry'; run: Run; delayMs: number; message: RunMessage }
  /** The lease is no longer ours (taken over after expiry): ack best-effort, do nothing else. */
  | { kind: 'lost' }
  /**
   * The run's record is gone (Redis lost its data) and this process cannot restore it, not holding the
   * run as last written: hand the delivery back, not ack it, so that its redelivery rebuilds the run
   * from the message (DESIGN §6). The attempt's outcome is not recorded; the run executes again.
   */
  | { kind: 'missing' };

export interface HeartbeatResult {
  /**
   * False when the lease expired and another attempt took over: stop the agent. A record lost with
   * Redis's data is restored by the lease's holder and stays held (no other attempt holds it).
   */
  held: boolean;
  cancelRequested: boolean;
}

export type CancelResult =
  | { kind: 'cancelled'; run: Run }
  /** The run is running: the flag is set and the worker holding it is notified. */
  | { kind: 'requested'; run: Run }
  | { kind: 'already_finished'; run: Run }
  | { kind: 'not_found' };

export type RunEventType = 'status' | 'log' | 'progress';

export interface RunEvent {
  /** The event's number in its run's log (1, 2, 3...); pass it back as `after` to resume. */
  id: string;
  type: RunEventType;
  data: unknown;
}

export interface ListQuery {
  status?: RunStatus;
  agent?: string;
  limit: number;
  cursor?: string;
}

export interface RunPage {
  runs: Run[];
  nextCursor?: string;
}

/**
 * What `create` did. The store keeps an outbox of runs whose queue message may not be on the queue
 * yet: a new run enters it in the same atomic write that records it, and leaves it through
 * `markSent` (or `discard`), so a run recorded but never queued (Redis or the API died between the
 * two) is found again, by a replay of its idempotency key or by `claimUnsent`.
 */
export interface Creation {
  run: Run;
  /** False when the idempotency key named an earlier run, which is returned instead. */
  created: boolean;
  /**
   * The caller must send the run's queue message, then call `markSent`: always for a new run; for a
   * replay when the earlier run is still in the outbox, still queued and never started, and nobody
   * else claimed its send in the last few seconds (its first send failed, or its sender died).
   */
  mustSend: boolean;
}

export interface CreateOptions {
  idempotencyKey?: string;
  /** Identifies the request that carries `idempotencyKey` (a hash of its canonical body); kept with the run. */
  requestFingerprint?: string;
}

export interface RunStore {
  /**
   * Same `idempotencyKey` for the same tenant returns the first run (`created: false`); with a
   * `requestFingerprint` other than the one the key was first sent with, IdempotencyKeyReusedError.
   */
  create(tenant: string, spec: RunSpec, options?: CreateOptions): Promise<Creation>;
  /** Many `create`s in one round trip, answered in order; a key seen earlier in the same call replays that run. */
  createMany(tenant: string, items: readonly { spec: RunSpec; idempotencyKey?: string }[]): Promise<Creation[]>;
  /** Takes a run out of the outbox once its queue message was sent (see `Creation`). */
  markSent(runId: string): Promise<void>;
  /**
   * Claims up to `limit` runs that have been in the outbox for more than `olderThanMs` since their
   * creation or last claim and still need their message (queued, never started): the caller sends
   * each and calls `markSent`. A claim lasts `olderThanMs`, so concurrent callers do not both send a
   * run. Entries of runs that no longer need a message are dropped on the way.
   */
  claimUnsent(olderThanMs: number, limit: number): Promise<Run[]>;
  /**
   * Removes a run whose queue message could not be sent, so a failed POST leaves nothing behind;
   * unless a worker started it, or a replay of its idempotency key already returned it to a client
   * (that run stays in the outbox and gets its message later). True when the run was withdrawn: a
   * message of it that reached the queue after all is dropped by the worker, so it never runs.
   */
  discard(run: Run): Promise<boolean>;
  /** Tenant-scoped read: another tenant's run is `undefined`, exactly like a missing one. */
  get(tenant: string, id: string): Promise<Run | undefined>;
  list(tenant: string, query: ListQuery): Promise<RunPage>;
  requestCancel(tenant: string, id: string): Promise<CancelResult>;

  /** Begin the attempt a delivery asks for; rebuilds the run from the message if its record is gone. */
  startAttempt(message: RunMessage, worker: string): Promise<StartResult>;
  /**
   * Renew the lease; also reports a pending cancel so workers need not subscribe to learn of it.
   * Like `finishAttempt`, restores the run's record, from the run as this store last wrote it, if
   * Redis lost it (DESIGN §6: a run survives loss of its Redis record), unless another attempt
   * rebuilt it first.
   */
  heartbeat(lease: Lease): Promise<HeartbeatResult>;
  finishAttempt(lease: Lease, report: AttemptReport): Promise<FinishResult>;
  /**
   * Forgets what this store keeps for a lease whose outcome could not be recorded at all (the worker
   * gave up; the lease lapses and another attempt retakes the run), so a long outage leaks nothing.
   */
  abandonAttempt(lease: Lease): void;

  appendEvent(runId: string, type: Exclude<RunEventType, 'status'>, data: unknown): Promise<void>;
  readEvents(runId: string, options?: { after?: string; count?: number; blockMs?: number }): Promise<RunEvent[]>;

  /** Seconds since the oldest run eligible to start was queued; 0 when none waits. */
  oldestQueuedAgeSeconds(): Promise<number>;
  /** Calls `onCancel(runId)` when a cancel is requested for a running run; returns an unsubscribe. */
  onCancelRequested(onCancel: (runId: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
