import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';
import type { RunMessage } from '../queue/message.js';
import type { Logger } from '../logger.js';
import { withRedis } from '../redis.js';
import { decideFinish, decideStart, type LeaseRecord } from './attempt-decisions.js';
import { backoffPolicy, type BackoffPolicy } from './backoff.js';
import { CallBatcher } from '../call-batcher.js';
import { CancelChannel } from './cancel-channel.js';
import { IdempotencyKeyReusedError, TransitionContentionError } from './errors.js';
import { appendEvent } from './lua/append-event.js';
import { claimUnsent } from './lua/claim-unsent.js';
import { createRun as createRunRecord, createRuns as createRunRecords } from './lua/create-run.js';
import { discardRun } from './lua/discard-run.js';
import { renewLease } from './lua/heartbeat.js';
import { restoreRun } from './lua/restore-run.js';
import { defineRunScripts, type RunScripts } from './lua/scripts.js';
import { sendTransitions, transitionCall, writeOutcome, type TransitionCall, type TransitionReply, type WriteOptions, type WriteOutcome } from './lua/transition-runs.js';
import { isTerminal, type Run, type RunSpec } from './model.js';
import { RunEventReader } from './run-event-reader.js';
import { decodeRun } from './run-record.js';
import { listTenantRuns } from './run-listing.js';
import { RunKeys } from './redis-keys.js';
import { RECORD_FIELDS, storedRun, type StoredRun } from './stored-run.js';
import { messageForRun, runFromMessage } from './run-message.js';
import { createRun, transition } from './state-machine.js';
import type {
  AttemptReport,
  CancelResult,
  CreateOptions,
  Creation,
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
 * The run store on Redis (key layout: redis-keys.ts, record format: run-record.ts; each Lua script is
 * called through the typed wrapper beside it in lua/, which orders its keys and decodes its reply;
 * listing: run-listing.ts; cancel notifications: cancel-channel.ts). Decisions come
 * from the pure state machine (state-machine.ts, attempt-decisions.ts); every change of status is
 * then a compare-and-set of the run's state on its version (and, for a worker, its lease token) in
 * a Lua script that moves everything that goes with it: indexes, the status event, expiry. A lost
 * compare-and-set gets the current record back and recomputes, a bounded number of times.
 * Transitions issued in the same turn of the event loop share one script call (call-batcher.ts), so
 * a worker starting or finishing hundreds of runs at once makes a few round trips, not hundreds.
 *
 * The outbox (`<p>:unsent`, create-run-8.lua) closes the gap between recording a run and queueing its
 * message: `create` records both the run and the promise of its message in one script, and the API
 * takes the run out once the send succeeded (`markSent`: no round trip of its own; the marks of one
 * turn of the event loop go out as one ZREM, pipelined with the API's other traffic). A run left
 * there because Redis or the API died in between is sent by a replay of its idempotency key
 * (create's reply says so, no extra call) or by the API's sweeper (`claimUnsent`). A message sent
 * twice is harmless: only one delivery's compare-and-set can start the run, and every other delivery
 * of it is dropped as busy or finished (test/core/run-store-attempts.test.ts).
 *
 * A run survives the loss of its record (DESIGN §6; Redis restarted empty, or failed over to a replica
 * that had nothing yet): a queued run is rebuilt from its message by the worker that receives it
 * (`startAttempt`), and a running one is restored by the worker holding its lease, on its next
 * heartbeat or finish, from the run as this store last wrote it (`held`; restore-run-5.lua), unless
 * another worker rebuilt it first. Its events and idempotency key are lost with the data.
 *
 * Round trips without contention: create 1 (createMany 1 for a whole batch: create-runs.lua),
 * heartbeat 1, finish 1 (the run known at start is kept for the lease's holder), start 1 for a first
 * delivery (the run is expected as the API created it, which the compare-and-set checks), 2 for a
 * later attempt (read, then write).
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
  /**
   * Errors of the pub/sub connection the store opens itself (outages are logged by the shared client),
   * and the records it restores after Redis lost them.
   */
  logger?: Logger;
  /** Most transitions sent in one script call. @defaultValue 64 */
  maxTransitionsPerCall?: number;
  /**
   * How long whoever claimed the send of a run's message (the request that created it, a replay, a
   * sweeper) has before a replay of its idempotency key sends it again: longer than a send takes,
   * shorter than a client's retry after an outage. @defaultValue 3000
   */
  sendClaimMs?: number;
}

const MAX_TRIES = 8;
/** Status events a run keeps in its hash before it needs an events list: queued, running, done, and a retry. */
const STATUS_EVENTS_IN_HASH = 6;
const MAX_SENT_MARKS_PER_CALL = 500;

export class RedisRunStore implements RunStore {
  private readonly keys: RunKeys;
  private readonly scripts: RunScripts;
  private readonly events: RunEventReader;
  private readonly retentionMs: number;
  private readonly leaseMs: number;
  private readonly eventsMaxLen: number;
  private readonly backoff: BackoffPolicy;
  private readonly busyMarginMs: number;
  private readonly sendClaimMs: number;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly logger: Logger | undefined;
  /** Runs whose lease this process holds, as last written, so finishing needs no read. */
  private readonly held = new Map<string, StoredRun>();
  private readonly transitions: CallBatcher<TransitionCall, TransitionReply>;
  /** `markSent` calls of one turn of the event loop become one ZREM. */
  private readonly sentMarks: CallBatcher<string, void>;
  private readonly cancels: CancelChannel;

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
    this.sendClaimMs = options.sendClaimMs ?? 3_000;
    this.clock = options.clock ?? Date.now;
    this.random = options.random ?? Math.random;
    this.logger = options.logger;
    this.cancels = new CancelChannel(redis, this.keys.cancelChannel, options.logger);
    this.events = new RunEventReader(this.scripts, this.keys, options.eventPollMs ?? 250);
    this.transitions = new CallBatcher((calls) => this.sendTransitions(calls), options.maxTransitionsPerCall ?? 64);
    this.sentMarks = new CallBatcher(async (runIds) => {
      await withRedis(() => this.redis.zrem(this.keys.unsent, ...runIds));
      return runIds.map(() => undefined);
    }, MAX_SENT_MARKS_PER_CALL);
  }

  async create(tenant: string, spec: RunSpec, options: CreateOptions = {}): Promise<Creation> {
    const run = createRun({ id: uuidv7(), tenant, spec, createdAt: new Date(this.clock()).toISOString() });
    const idempotencyKey = options.idempotencyKey === undefined ? undefined : this.keys.idempotency(tenant, options.idempotencyKey);
    const existing = await this.insert(run, idempotencyKey, 'outbox', options.requestFingerprint);
    return existing ? { run: existing.stored.run, created: false, mustSend: existing.mustSend } : { run, created: true, mustSend: true };
  }

  async createMany(tenant: string, items: readonly { spec: RunSpec; idempotencyKey?: string }[]): Promise<Creation[]> {
    const createdAt = new Date(this.clock()).toISOString();
    const inputs = items.map(({ spec, idempotencyKey }) => ({
      run: createRun({ id: uuidv7(), tenant, spec, createdAt }),
      idempotencyKey: idempotencyKey === undefined ? undefined : this.keys.idempotency(tenant, idempotencyKey),
      // Batch items carry no request fingerprint: a replayed item key is never refused as reused.
      requestFingerprint: undefined,
      outbox: true,
      sendClaimMs: this.sendClaimMs,
    }));
    const replies = await withRedis(() => createRunRecords(this.scripts, this.keys, inputs));
    return replies.map((reply, index) => {
      if (reply.created) return { run: (inputs[index] as (typeof inputs)[number]).run, created: true, mustSend: true };
      if ('conflictingRunId' in reply) throw new IdempotencyKeyReusedError(reply.conflictingRunId);
      return { run: reply.stored.run, created: false, mustSend: reply.mustSend };
    });
  }

  markSent(runId: string): Promise<void> {
    return this.sentMarks.call(runId);
  }

  async claimUnsent(olderThanMs: number, limit: number): Promise<Run[]> {
    const now = this.clock();
    return withRedis(() => claimUnsent(this.scripts, this.keys, now, now - olderThanMs, limit));
  }

  async discard(run: Run): Promise<boolean> {
    const tombstone: Run = {
      ...run,
      status: 'cancelled',
      finishedAt: new Date(this.clock()).toISOString(),
      error: { type: 'discarded', message: 'the run was withdrawn: its queue message could not be sent' },
    };
    const idempotencyKey = await withRedis(() => this.redis.hget(this.keys.run(run.id), 'idem'));
    return withRedis(() => discardRun(this.scripts, this.keys, run, tombstone, idempotencyKey, this.retentionMs));
  }

  async get(tenant: string, id: string): Promise<Run | undefined> {
    const [spec, state, discarded] = await withRedis(() => this.redis.hmget(this.keys.run(id), 'spec', 'state', 'discarded'));
    if (!spec || !state || discarded) return undefined;
    const run = decodeRun(id, spec, state);
    return run.tenant === tenant ? run : undefined;
  }

  list(tenant: string, query: ListQuery): Promise<RunPage> {
    return listTenantRuns(this.scripts, this.keys, tenant, query);
  }

  async requestCancel(tenant: string, id: string): Promise<CancelResult> {
    let stored = await this.read(id);
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if (!stored || stored.discarded || stored.run.tenant !== tenant) return { kind: 'not_found' };
      if (isTerminal(stored.run.status)) return { kind: 'already_finished', run: stored.run };
      const result = transition(stored.run, { type: 'cancel', at: new Date(this.clock()).toISOString() });
      if (!result.ok) throw result.error;
      const running = stored.run.status === 'running';
      const outcome = await this.write(stored, result.run, running ? { flagCancel: true } : {});
      if (outcome.kind === 'ok') return { kind: running ? 'requested' : 'cancelled', run: result.run };
      stored = outcome.kind === 'conflict' ? outcome.current : await this.read(id);
    }
    throw new TransitionContentionError(id, MAX_TRIES);
  }

  async startAttempt(message: RunMessage, worker: string): Promise<StartResult> {
    // A first delivery nearly always finds its run as the API created it: assume so, and let the
    // compare-and-set tell otherwise (its reply then carries the run as it is). One round trip.
    let stored: StoredRun | undefined | 'unread' = message.attempt === 1 ? this.asCreated(message) : 'unread';
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if (stored === 'unread') stored = await this.read(message.runId);
      stored ??= await this.rebuild(message);
      if (!stored) {
        // Another worker rebuilt it first: read its full record (with any lease) before deciding.
        stored = 'unread';
        continue;
      }
      if (stored.discarded) return { kind: 'finished', run: stored.run };
      const now = this.clock();
      const decision = decideStart(stored.run, stored.lease, { worker, now, busyMarginMs: this.busyMarginMs });
      if (decision.kind === 'busy' || decision.kind === 'early') return decision;
      if (decision.kind === 'finished' && !decision.changed) return { kind: 'finished', run: decision.run };
      const lease: LeaseRecord | undefined = decision.kind === 'start' ? { token: randomUUID(), expiresAt: now + this.leaseMs } : undefined;
      const outcome = await this.write(stored, decision.run, { lease: lease ?? 'release' });
      if (outcome.kind !== 'ok') {
        stored = outcome.kind === 'conflict' ? outcome.current : 'unread';
        continue;
      }
      if (!lease) return { kind: 'finished', run: decision.run };
      this.held.set(lease.token, { run: decision.run, version: outcome.version, lease, discarded: false });
      const attempt = decision.run.attempts.length;
      return { kind: 'started', run: decision.run, lease: { runId: decision.run.id, attempt, token: lease.token } };
    }
    throw new TransitionContentionError(message.runId, MAX_TRIES);
  }

  async heartbeat(lease: Lease): Promise<HeartbeatResult> {
    const first = await this.renewLease(lease);
    if (first !== 'missing') return first;
    // No other attempt holds the run either. Not held here (so nothing to restore it from): finishing
    // tells the worker to hand the delivery back.
    const known = this.held.get(lease.token);
    if (!known || (await this.restore(known, lease.token))) return { held: true, cancelRequested: false };
    // Another worker rebuilt the run meanwhile: its record decides.
    const second = await this.renewLease(lease);
    return second === 'missing' ? { held: true, cancelRequested: false } : second;
  }

  abandonAttempt(lease: Lease): void {
    this.held.delete(lease.token);
  }

  async finishAttempt(lease: Lease, report: AttemptReport): Promise<FinishResult> {
    let stored = this.held.get(lease.token) ?? (await this.read(lease.runId));
    for (let tries = 0; tries < MAX_TRIES; tries++) {
      if (!stored) {
        const known = this.held.get(lease.token);
        if (!known) return { kind: 'missing' };
        stored = (await this.restore(known, lease.token)) ? known : await this.read(lease.runId);
        continue;
      }
      if (stored.lease?.token !== lease.token) {
        this.held.delete(lease.token);
        return stored.closedBy === lease.token ? this.repeatedFinish(stored.run, lease, report) : { kind: 'lost' };
      }
      const decision = decideFinish(stored.run, report, { now: this.clock(), backoff: this.backoff, random: this.random });
      const outcome = await this.write(stored, decision.run, { holding: lease.token, lease: 'release' });
      if (outcome.kind === 'conflict') {
        stored = outcome.current;
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
    await withRedis(() => appendEvent(this.scripts, this.keys, runId, this.eventsMaxLen, type, data));
  }

  readEvents(runId: string, options: { after?: string; count?: number; blockMs?: number } = {}): Promise<RunEvent[]> {
    return this.events.read(runId, options);
  }

  async oldestQueuedAgeSeconds(): Promise<number> {
    const now = this.clock();
    const oldest = await withRedis(() => this.redis.zrangebyscore(this.keys.queued, '-inf', now, 'WITHSCORES', 'LIMIT', 0, 1));
    return oldest.length === 2 ? Math.max(0, (now - Number(oldest[1])) / 1000) : 0;
  }

  /** Runs of `tenant` waiting to start (status `queued`), from its status index: one ZCARD. */
  async countQueued(tenant: string): Promise<number> {
    return withRedis(() => this.redis.zcard(this.keys.byStatus(tenant, 'queued')));
  }

  onCancelRequested(onCancel: (runId: string) => void): Promise<() => Promise<void>> {
    return this.cancels.listen(onCancel);
  }

  async ping(): Promise<void> {
    await withRedis(() => this.redis.ping());
  }

  async close(): Promise<void> {
    this.held.clear();
    this.events.close();
    await this.cancels.close();
  }

  /** heartbeat-1.lua: the lease renewed, or why not. */
  private async renewLease(lease: Lease): Promise<HeartbeatResult | 'missing'> {
    const until = this.clock() + this.leaseMs;
    const { state, cancelRequested } = await withRedis(() => renewLease(this.scripts, this.keys, lease.runId, lease.token, until));
    if (state === 'missing') return 'missing';
    if (state !== 'held') this.held.delete(lease.token);
    return { held: state === 'held', cancelRequested };
  }

  /**
   * Re-creates the record of a run whose lease this process holds after Redis lost it (restarted
   * empty, failed over to a replica that had nothing yet), from the run as this process last wrote
   * it (`held`), with the lease renewed and the run back in its tenant's indexes (restore-run-5.lua).
   * The run's events and idempotency key are gone with the data: the record restarts its events
   * from a status event, and a replay of the key creates a new run. Never overwrites a record that
   * reappeared meanwhile (another worker rebuilt the run from a redelivered message): false then.
   */
  private async restore(known: StoredRun, token: string): Promise<boolean> {
    const { run } = known;
    const now = this.clock();
    const restored = await withRedis(() => restoreRun(this.scripts, this.keys, { run, version: known.version, token, leaseUntil: now + this.leaseMs, now }));
    if (!restored) return false;
    this.logger?.warn({ runId: run.id, tenant: run.tenant, attempt: run.attempts.length }, "restored a running run's record lost with Redis's data, from its lease holder");
    return true;
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

  /**
   * Writes a new run (into the outbox too when its caller is to send its message: `'outbox'`), or
   * returns the run its idempotency key (or id) already names, and whether the caller must send
   * that run's message (create-run-8.lua).
   */
  private async insert(
    run: Run,
    idempotencyKey: string | undefined,
    outbox: 'outbox' | 'no-outbox',
    requestFingerprint?: string,
  ): Promise<{ stored: StoredRun; mustSend: boolean } | undefined> {
    const reply = await withRedis(() =>
      createRunRecord(this.scripts, this.keys, { run, idempotencyKey, requestFingerprint, outbox: outbox === 'outbox', sendClaimMs: this.sendClaimMs }),
    );
    if (reply.created) return undefined;
    if ('conflictingRunId' in reply) throw new IdempotencyKeyReusedError(reply.conflictingRunId);
    return { stored: reply.stored, mustSend: reply.mustSend };
  }

  /**
   * DESIGN §6: a run survives the loss of its Redis record; its message carries the spec.
   * Undefined when the record reappeared meanwhile (another worker rebuilt it).
   */
  private async rebuild(message: RunMessage): Promise<StoredRun | undefined> {
    const run = runFromMessage(message, new Date(this.clock()).toISOString());
    // The message is on the queue (it is being handled), so the rebuilt run needs no outbox entry.
    const existing = await this.insert(run, undefined, 'no-outbox');
    return existing ? undefined : { run, version: 1, discarded: false };
  }

  /** The run of a first delivery as the API created it (version 1, queued), to be confirmed by the write. */
  private asCreated(message: RunMessage): StoredRun {
    return { run: runFromMessage(message, new Date(this.clock()).toISOString()), version: 1, discarded: false, assumed: true };
  }

  private async read(id: string): Promise<StoredRun | undefined> {
    const fields = await withRedis(() => this.redis.hmget(this.keys.run(id), ...RECORD_FIELDS));
    return storedRun(id, fields);
  }

  /** Compare-and-sets `after` over `before` (as known at `before.version`). */
  private async write(before: StoredRun, after: Run, options: WriteOptions): Promise<WriteOutcome> {
    const reply = await this.transitions.call(transitionCall(this.keys, before, after, options, this.clock(), this.retentionMs));
    return writeOutcome(after.id, reply);
  }

  /** One call of transition-runs.lua for a batch of transitions (see `transitions`). */
  private sendTransitions(calls: TransitionCall[]): Promise<TransitionReply[]> {
    const settings = { now: this.clock(), maxEvents: this.eventsMaxLen, statusEventsInHash: STATUS_EVENTS_IN_HASH };
    return withRedis(() => sendTransitions(this.scripts, this.keys, settings, calls));
  }
}
