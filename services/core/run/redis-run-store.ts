import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import type { RunMessage } from '../queue/message.js';
import type { Logger } from '../logger.js';
import { withRedis } from '../redis.js';
import { decideFinish, decideStart, type LeaseRecord } from './attempt-decisions.js';
import { backoffPolicy, type BackoffPolicy } from './backoff.js';
import { InvalidCursorError, TransitionContentionError } from './errors.js';
import { defineRunScripts, type RunScripts } from './lua/scripts.js';
import { isTerminal, RUN_STATUSES, type Run, type RunSpec } from './model.js';
import { RunEventReader } from './run-event-reader.js';
import { RunKeys } from './redis-keys.js';
import { messageForRun, runFromMessage } from './run-message.js';
import { createRun, transition } from './state-machine.js';
import type {
  AttemptReport,
  CancelResult,
  FinishResult,
  HeartbeatResult,
  Lease,
  ListQuery,
  RunEvent,
  RunEventType,
  RunPage,
  RunStore,
  StartResult,
} from './store.js';

/**
 * The run store on Redis (key layout: redis-keys.ts). Decisions come from the pure state machine
 * (state-machine.ts, attempt-decisions.ts); every change of status is then ONE Lua script that
 * compare-and-sets the run on its version (and, for a worker, its lease token) and moves everything
 * that goes with it: indexes, the status event, expiry. A lost compare-and-set re-reads and
 * recomputes, a bounded number of times.
 *
 * Round trips without contention: create 1, heartbeat 1, finish 1 (the run read at start is kept
 * for the lease's holder), start 2 (the record must be read before the state machine can decide).
 *
 * Lease expiry is judged on the clocks of the workers (kept within milliseconds of each other by
 * NTP / Amazon Time Sync); leases last tens of seconds, so skew does not matter.
 */

export interface RedisRunStoreOptions {
  /** How long a finished run, its events and its idempotency key are kept (RUN_RETENTION_SECONDS). */
  retentionSeconds: number;
  /** How long an attempt's lease lasts without a heartbeat (LEASE_SECONDS). */
  leaseSeconds: number;
  /** Events kept per run; older ones are dropped. @defaultValue 1000 */
  eventsMaxLen?: number;
  /** How often a waiting `readEvents` looks for new events. @defaultValue 250 */
  eventPollMs?: number;
  /** @defaultValue DEFAULT_BACKOFF (2 s base, 5 min cap) */
  backoff?: Partial<BackoffPolicy>;
  /** @defaultValue 'af' */
  keyPrefix?: string;
  /** Added to a live lease's remaining time in a `busy` answer. @defaultValue 2000 */
  busyMarginMs?: number;
  /** ms since epoch. @defaultValue Date.now */
  clock?: () => number;
  /** Jitter source, [0, 1). @defaultValue Math.random */
  random?: () => number;
  /** Errors of the pub/sub connection the store opens itself (outages are logged by the shared client). */
  logger?: Logger;
}

/** A run as stored, with what only the store sees. */
interface StoredRun {
  run: Run;
  version: number;
  lease?: LeaseRecord;
  idempotencyKey?: string;
  /** The lease whose report closed the last attempt. */
  closedBy?: string;
  discarded: boolean;
}

type WriteOutcome = { kind: 'ok'; version: number } | { kind: 'lost' } | { kind: 'conflict' };

interface WriteOptions {
  /** The lease the caller must hold for the write to apply. */
  holding?: string;
  lease?: 'release' | LeaseRecord;
  flagCancel?: boolean;
}

const MAX_TRIES = 8;
const MAX_LIST_LIMIT = 1_000;
/** How many index entries one listing call may examine, holes included, before it returns a cursor. */
const LIST_SCAN_BUDGET = 5_000;
const CURSOR_VERSION = 'v1:';

export class RedisRunStore implements RunStore {
  private readonly keys: RunKeys;
  private readonly scripts: RunScripts;
  private readonly events: RunEventReader;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly eventsMaxLen: number;
  private readonly backoff: BackoffPolicy;
  private readonly busyMarginMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;
  /** Runs whose lease this process holds, as last written, so finishing needs no read. */
  private readonly held = new Map<string, StoredRun>();
  private subscriber: Redis | undefined;
  private readonly cancelListeners = new Set<(runId: string) => void>();

  /** `redis` stays the caller's: `close()` ends only the subscriber connection the store opened. */
  constructor(
    private readonly redis: Redis,
    options: RedisRunStoreOptions,
  ) {
    for (const field of ['retentionSeconds', 'leaseSeconds'] as const) {
      if (!(options[field] > 0)) throw new RangeError(`${field}: must be a positive number of seconds, got ${options[field]}`);
    }
    this.keys = new RunKeys(options.keyPrefix);
    this.scripts = defineRunScripts(redis);
    this.retentionMs = Math.round(options.retentionSeconds * 1000);
    this.leaseMs = Math.round(options.leaseSeconds * 1000);
    this.eventsMaxLen = options.eventsMaxLen ?? 1_000;
    this.backoff = backoffPolicy(options.backoff);
    this.busyMarginMs = options.busyMarginMs ?? 2_000;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.events = new RunEventReader(this.scripts, this.keys, options.eventPollMs ?? 250);
  }

  async create(tenant: string, spec: RunSpec, options: { idempotencyKey?: string } = {}): Promise<{ run: Run; created: boolean }> {
    const run = createRun({ id: uuidv7(), tenant, spec, createdAt: new Date(this.clock()).toISOString() });
    const idempotencyKey = options.idempotencyKey === undefined ? undefined : this.keys.idempotency(tenant, options.idempotencyKey);
    const existing = await this.insert(run, idempotencyKey);
    return existing ? { run: existing.run, created: false } : { run, created: true };
  }

  async discard(run: Run): Promise<void> {
    const tombstone: Run = {
      ...run,
      status: 'cancelled',
      finishedAt: new Date(this.clock()).toISOString(),
      error: { type: 'discarded', message: 'the run was withdrawn: its queue message could not be sent' },
    };
    const record = await withRedis(() => this.redis.hget(this.keys.run(run.id), 'idem'));
    await withRedis(() =>
      this.scripts.discardRun(
        ...this.creationKeys(run, record ?? undefined),
        run.id,
        JSON.stringify(tombstone),
        this.retentionMs,
      ),
    );
  }

  async get(tenant: string, id: string): Promise<Run | undefined> {
    const [doc, discarded] = await withRedis(() => this.redis.hmget(this.keys.run(id), 'doc', 'discarded'));
    if (!doc || discarded) return undefined;
    const run = JSON.parse(doc) as Run;
    return run.tenant === tenant ? run : undefined;
  }

  async list(tenant: string, query: ListQuery): Promise<RunPage> {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_LIST_LIMIT) {
      throw new RangeError(`limit: must be an integer from 1 to ${MAX_LIST_LIMIT}, got ${query.limit}`);
    }
    if (query.status !== undefined && !RUN_STATUSES.includes(query.status)) {
      throw new RangeError(`status: must be one of ${RUN_STATUSES.join(', ')}, got ${String(query.status)}`);
    }
    const index =
      query.agent !== undefined && query.status !== undefined
        ? this.keys.byAgentAndStatus(tenant, query.agent, query.status)
        : query.agent !== undefined
          ? this.keys.byAgent(tenant, query.agent)
          : query.status !== undefined
            ? this.keys.byStatus(tenant, query.status)
            : this.keys.tenantRuns(tenant);
    const start = query.cursor === undefined ? '+' : `(${decodeCursor(query.cursor)}`;
    const reply = (await withRedis(() => this.scripts.listRuns(index, start, query.limit, this.keys.prefix, LIST_SCAN_BUDGET))) as string[];
    const [next, ...docs] = reply;
    const runs = docs.map((doc) => JSON.parse(doc) as Run);
    return next ? { runs, nextCursor: encodeCursor(next) } : { runs };
  }

  async requestCancel(tenant: string, id: string): Promise<CancelResult> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const stored = await this.read(id);
      if (!stored || stored.discarded || stored.run.tenant !== tenant) return { kind: 'not_found' };
      if (isTerminal(stored.run.status)) return { kind: 'already_finished', run: stored.run };
      const result = transition(stored.run, { type: 'cancel', at: new Date(this.clock()).toISOString() });
      if (!result.ok) throw result.error;
      const running = stored.run.status === 'running';
      const outcome = await this.write(stored, result.run, running ? { flagCancel: true } : {});
      if (outcome.kind === 'ok') return { kind: running ? 'requested' : 'cancelled', run: result.run };
    }
    throw new TransitionContentionError(id, MAX_TRIES);
  }

  async startAttempt(message: RunMessage, worker: string): Promise<StartResult> {
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      const stored = (await this.read(message.runId)) ?? (await this.rebuild(message));
      // Another worker rebuilt it first: read its full record (with any lease) before deciding.
      if (!stored) continue;
      if (stored.discarded) return { kind: 'finished', run: stored.run };
      const now = this.clock();
      const decision = decideStart(stored.run, stored.lease, { worker, now, busyMarginMs: this.busyMarginMs });
      if (decision.kind === 'busy') return decision;
      if (decision.kind === 'finished') {
        if (!decision.changed) return { kind: 'finished', run: decision.run };
        const outcome = await this.write(stored, decision.run, { lease: 'release' });
        if (outcome.kind === 'ok') return { kind: 'finished', run: decision.run };
        continue;
      }
      const lease: LeaseRecord = { token: randomUUID(), expiresAt: now + this.leaseMs };
      const outcome = await this.write(stored, decision.run, { lease });
      if (outcome.kind !== 'ok') continue;
      this.held.set(lease.token, { ...stored, run: decision.run, version: outcome.version, lease });
      const attempt = decision.run.attempts.length;
      return { kind: 'started', run: decision.run, lease: { runId: decision.run.id, attempt, token: lease.token } };
    }
    throw new TransitionContentionError(message.runId, MAX_TRIES);
  }

  async heartbeat(lease: Lease): Promise<HeartbeatResult> {
    const until = this.clock() + this.leaseMs;
    const [held, cancel] = (await withRedis(() => this.scripts.heartbeat(this.keys.run(lease.runId), lease.token, until))) as [number, number];
    if (!held) this.held.delete(lease.token);
    return { held: held === 1, cancelRequested: cancel === 1 };
  }

  async finishAttempt(lease: Lease, report: AttemptReport): Promise<FinishResult> {
    let stored = this.held.get(lease.token) ?? (await this.read(lease.runId));
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if (!stored || stored.lease?.token !== lease.token) {
        this.held.delete(lease.token);
        return stored?.closedBy === lease.token ? this.repeatedFinish(stored.run, lease, report) : { kind: 'lost' };
      }
      const decision = decideFinish(stored.run, report, { now: this.clock(), backoff: this.backoff, random: this.random });
      const outcome = await this.write(stored, decision.run, { holding: lease.token, lease: 'release' });
      if (outcome.kind === 'conflict') {
        stored = await this.read(lease.runId);
        continue;
      }
      this.held.delete(lease.token);
      if (outcome.kind === 'lost') return { kind: 'lost' };
      if (decision.kind === 'done') return { kind: 'done', run: decision.run };
      return { kind: 'retry', run: decision.run, delayMs: decision.delayMs, message: messageForRun(decision.run) };
    }
    throw new TransitionContentionError(lease.runId, MAX_TRIES);
  }

  async appendEvent(runId: string, type: Exclude<RunEventType, 'status'>, data: unknown): Promise<void> {
    await withRedis(() => this.scripts.appendEvent(this.keys.run(runId), this.keys.events(runId), this.eventsMaxLen, type, JSON.stringify(data ?? null)));
  }

  readEvents(runId: string, options: { after?: string; count?: number; blockMs?: number } = {}): Promise<RunEvent[]> {
    return this.events.read(runId, options);
  }

  async oldestQueuedAgeSeconds(): Promise<number> {
    const now = this.clock();
    const oldest = await withRedis(() => this.redis.zrangebyscore(this.keys.queued, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1));
    return oldest.length === 2 ? Math.max(0, (now - Number(oldest[1])) / 1000) : 0;
  }

  async onCancelRequested(onCancel: (runId: string) => void): Promise<() => Promise<void>> {
    if (!this.subscriber) {
      const subscriber = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
      subscriber.on('error', (error: Error) => this.logger?.debug({ err: error }, 'run store subscriber connection error'));
      subscriber.on('message', (channel: string, runId: string) => {
        if (channel !== this.keys.cancelChannel) return;
        for (const listener of this.cancelListeners) listener(runId);
      });
      this.subscriber = subscriber;
      await withRedis(() => subscriber.subscribe(this.keys.cancelChannel));
    }
    this.cancelListeners.add(onCancel);
    return async () => {
      this.cancelListeners.delete(onCancel);
    };
  }

  async ping(): Promise<void> {
    await withRedis(() => this.redis.ping());
  }

  async close(): Promise<void> {
    this.held.clear();
    this.cancelListeners.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    this.events.close();
    await subscriber?.quit().catch(() => subscriber.disconnect());
  }

  /**
   * The same report again from the lease that closed the attempt (its first reply was lost to a
   * connection drop): answer as the first call did, so the worker still hands back a retry message
   * instead of dropping the run. A different outcome is a second, rejected finish.
   */
  private repeatedFinish(run: Run, lease: Lease, report: AttemptReport): FinishResult {
    if (run.attempts[lease.attempt - 1]?.outcome !== report.outcome) return { kind: 'lost' };
    if (isTerminal(run.status)) return { kind: 'done', run };
    if (run.status !== 'queued') return { kind: 'lost' };
    const delayMs = run.nextAttemptAt ? Math.max(0, Date.parse(run.nextAttemptAt) - this.clock()) : 0;
    return { kind: 'retry', run, delayMs, message: messageForRun(run) };
  }

  /** Writes a new run, or returns the run its idempotency key (or id) already names. */
  private async insert(run: Run, idempotencyKey: string | undefined): Promise<StoredRun | undefined> {
    const doc = JSON.stringify(run);
    const reply = (await withRedis(() =>
      this.scripts.createRun(
        ...this.creationKeys(run, idempotencyKey),
        run.id,
        doc,
        Date.parse(run.createdAt),
        statusEvent(run, run.createdAt),
        this.keys.prefix,
      ),
    )) as [number, string?, string?, string?];
    if (reply[0] === 1) return undefined;
    return { run: JSON.parse(reply[1] as string) as Run, version: Number(reply[2]), discarded: reply[3] === '1' };
  }

  /**
   * DESIGN §6: a run survives the loss of its Redis record; its message carries the spec.
   * Undefined when the record reappeared meanwhile (another worker rebuilt it).
   */
  private async rebuild(message: RunMessage): Promise<StoredRun | undefined> {
    const run = runFromMessage(message, new Date(this.clock()).toISOString());
    const existing = await this.insert(run, undefined);
    return existing ? undefined : { run, version: 1, discarded: false };
  }

  private creationKeys(run: Run, idempotencyKey: string | undefined): string[] {
    const runKey = this.keys.run(run.id);
    return [
      runKey,
      this.keys.events(run.id),
      idempotencyKey ?? runKey,
      this.keys.tenantRuns(run.tenant),
      this.keys.byStatus(run.tenant, run.status),
      this.keys.byAgent(run.tenant, run.agent),
      this.keys.byAgentAndStatus(run.tenant, run.agent, run.status),
      this.keys.queued,
    ];
  }

  private async read(id: string): Promise<StoredRun | undefined> {
    const fields = await withRedis(() => this.redis.hgetall(this.keys.run(id)));
    if (!fields.doc) return undefined;
    const stored: StoredRun = { run: JSON.parse(fields.doc) as Run, version: Number(fields.ver), discarded: fields.discarded === '1' };
    if (fields.lease) stored.lease = { token: fields.lease, expiresAt: Number(fields.leaseUntil) };
    if (fields.idem) stored.idempotencyKey = fields.idem;
    if (fields.closedBy) stored.closedBy = fields.closedBy;
    return stored;
  }

  /** Compare-and-sets `after` over `before` (as read at `before.version`) in one script. */
  private async write(before: StoredRun, after: Run, options: WriteOptions): Promise<WriteOutcome> {
    const now = this.clock();
    const { tenant, agent, id } = after;
    const runKey = this.keys.run(id);
    const finished = isTerminal(after.status);
    const queuedScore = after.status === 'queued' ? (after.nextAttemptAt ? Date.parse(after.nextAttemptAt) : now) : '';
    const lease = options.lease === 'release' ? '-' : (options.lease?.token ?? '');
    const reply = (await withRedis(() =>
      this.scripts.transition(
        runKey,
        this.keys.events(id),
        this.keys.queued,
        this.keys.expiring,
        this.keys.byStatus(tenant, before.run.status),
        this.keys.byStatus(tenant, after.status),
        this.keys.byAgentAndStatus(tenant, agent, before.run.status),
        this.keys.byAgentAndStatus(tenant, agent, after.status),
        before.idempotencyKey ?? runKey,
        before.version,
        options.holding ?? '',
        JSON.stringify(after),
        id,
        statusEvent(after, new Date(now).toISOString()),
        this.eventsMaxLen,
        queuedScore,
        lease,
        typeof options.lease === 'object' ? options.lease.expiresAt : '',
        options.flagCancel ? '1' : '',
        options.flagCancel ? this.keys.cancelChannel : '',
        finished ? this.retentionMs : '',
        finished ? this.keys.expiringMember(tenant, agent, after.status, id) : '',
        now,
        this.keys.prefix,
      ),
    )) as [string, number?];
    if (reply[0] === 'ok') return { kind: 'ok', version: Number(reply[1]) };
    return reply[0] === 'lost' ? { kind: 'lost' } : { kind: 'conflict' };
  }
}

/** What a status event says: enough for an SSE client to follow a run without fetching it. */
function statusEvent(run: Run, at: string): string {
  const attempt = run.attempts.at(-1);
  return JSON.stringify({
    status: run.status,
    at,
    ...(attempt ? { attempt: attempt.number, ...(attempt.outcome ? { outcome: attempt.outcome } : {}) } : {}),
    ...(run.cancelRequested ? { cancelRequested: true } : {}),
    ...(run.error ? { error: run.error } : {}),
  });
}

function encodeCursor(lastId: string): string {
  return Buffer.from(CURSOR_VERSION + lastId).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith(CURSOR_VERSION) || text.length === CURSOR_VERSION.length) {
    throw new InvalidCursorError('not a cursor returned by a previous listing');
  }
  return text.slice(CURSOR_VERSION.length);
}
