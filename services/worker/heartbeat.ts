import type { Logger } from '../core/logger.js';
import type { Delivery, ExtendFailure, QueueDriver } from '../core/queue/contract.js';
import { DeliveryNotHeldError } from '../core/queue/errors.js';
import { extensionPeriodSeconds, gatheringSeconds } from '../core/queue/extension-schedule.js';
import type { HeartbeatResult, Lease, RunStore } from '../core/run/store.js';

/**
 * Keeps every running attempt's lease alive (store.heartbeat every LEASE_SECONDS/3) and its message
 * hidden (every VISIBILITY_SECONDS/3, so a run longer than the visibility is never redelivered, while
 * a dead worker's messages come back soon). One ticker serves all attempts: each tick renews only
 * what is due, in the order it became due, so 10,000 runs cost a steady trickle of calls rather than
 * 10,000 timers or a burst every period. Visibility extensions are gathered (extension-schedule.ts):
 * every fifth of a period (2 s by default) the due ones go out in one `extendVisibilityMany`, a due
 * one waiting at most that long, well before its visibility lapses. A message's visibility runs from
 * its receive, not from when its attempt began (the store may have been slow to begin it): its first
 * extension is due a period after `receivedAt`, and at the next gathering when that has passed. The
 * lease in Redis is the authority: a failed visibility extension is logged, not fatal (a delivery the
 * queue says is no longer held is not extended again); a heartbeat that finds the lease gone or a
 * cancel requested tells the attempt.
 */

export interface KeptAttempt {
  readonly lease: Lease;
  readonly delivery: Delivery;
  /** The lease expired and another attempt took over: stop the agent and report nothing. */
  onLeaseLost(): void;
  onCancelRequested(): void;
}

export interface HeartbeatOptions {
  leaseSeconds: number;
  visibilitySeconds: number;
}

/** A lease is renewed this many times per LEASE_SECONDS, so one failed renewal still leaves time for the next. */
const RENEWALS_PER_LEASE = 3;
const EXTENSIONS_FAILED = 'visibility extensions failed; the lease still guards their runs';
/** Bounds one tick's work so a backlog of due renewals cannot stall the event loop. */
const MAX_RENEWALS_PER_TICK = 2_000;

export class Heartbeat {
  private readonly leaseDue = new Map<KeptAttempt, number>();
  private readonly visibilityDue = new Map<KeptAttempt, number>();
  /**
   * First extensions, due a period after each receive: not in the order attempts are tracked, so
   * scanned whole at each gathering (it holds only the attempts begun within the last period).
   */
  private readonly firstVisibilityDue = new Map<KeptAttempt, number>();
  /** Attempts whose last heartbeat has not answered: no second one piles up behind it during an outage. */
  private readonly pending = new Set<KeptAttempt>();
  /** Each attempt's visibility extension in flight, settled (never rejecting) when its call answers. */
  private readonly extending = new Map<KeptAttempt, Promise<void>>();
  private readonly leasePeriodMs: number;
  private readonly visibilityPeriodMs: number;
  private readonly visibilitySeconds: number;
  private readonly gatherMs: number;
  private nextGatherAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private failuresSinceLog = 0;
  private lastFailureLog = 0;

  constructor(
    private readonly store: Pick<RunStore, 'heartbeat'>,
    private readonly queue: Pick<QueueDriver, 'extendVisibilityMany'>,
    options: HeartbeatOptions,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {
    this.leasePeriodMs = (options.leaseSeconds * 1000) / RENEWALS_PER_LEASE;
    this.visibilityPeriodMs = extensionPeriodSeconds(options.visibilitySeconds) * 1000;
    this.visibilitySeconds = options.visibilitySeconds;
    this.gatherMs = gatheringSeconds(options.visibilitySeconds) * 1000;
  }

  /** How often the ticker looks for due renewals: often, so each tick renews few (an idle tick costs one comparison). */
  get tickMs(): number {
    return Math.max(20, Math.min(100, Math.min(this.leasePeriodMs, this.visibilityPeriodMs) / 4));
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  track(attempt: KeptAttempt): void {
    const now = this.clock();
    this.leaseDue.set(attempt, now + this.leasePeriodMs);
    this.firstVisibilityDue.set(attempt, attempt.delivery.receivedAt + this.visibilityPeriodMs);
  }

  untrack(attempt: KeptAttempt): void {
    this.leaseDue.delete(attempt);
    this.visibilityDue.delete(attempt);
    this.firstVisibilityDue.delete(attempt);
    this.pending.delete(attempt);
  }

  /**
   * Resolves once no visibility extension of `attempt` is in flight. Untracking stops the next one,
   * not one already sent: a message handed back as it is (visibility 0) must wait for it, or the
   * late extension hides it again for a whole visibility.
   */
  async extensionSettled(attempt: KeptAttempt): Promise<void> {
    await this.extending.get(attempt);
  }

  get size(): number {
    return this.leaseDue.size;
  }

  /** Renews what is due. Maps iterate in insertion order and every entry has the same period, so the first not-due entry ends the scan. */
  tick(): void {
    const now = this.clock();
    let budget = MAX_RENEWALS_PER_TICK;
    for (const [attempt, due] of this.leaseDue) {
      if (due > now || budget-- <= 0) break;
      this.leaseDue.delete(attempt);
      this.leaseDue.set(attempt, now + this.leasePeriodMs);
      if (this.pending.has(attempt)) continue;
      this.pending.add(attempt);
      this.store.heartbeat(attempt.lease).then(
        (result) => this.answered(attempt, result),
        (error: unknown) => {
          this.pending.delete(attempt);
          this.failed('lease heartbeat failed; retrying on the next beat', error);
        },
      );
    }
    if (now >= this.nextGatherAt) this.extendDue(now);
  }

  /** One batched extension of every message due by now. */
  private extendDue(now: number): void {
    this.nextGatherAt = now + this.gatherMs;
    const due: KeptAttempt[] = [];
    for (const [attempt, at] of this.firstVisibilityDue) {
      if (at > now) continue;
      this.firstVisibilityDue.delete(attempt);
      this.visibilityDue.set(attempt, now + this.visibilityPeriodMs);
      due.push(attempt);
    }
    for (const [attempt, at] of this.visibilityDue) {
      if (at > now) break;
      this.visibilityDue.delete(attempt);
      this.visibilityDue.set(attempt, now + this.visibilityPeriodMs);
      due.push(attempt);
    }
    if (due.length === 0) return;
    const call = this.queue.extendVisibilityMany(
      due.map((attempt) => attempt.delivery),
      this.visibilitySeconds,
    );
    const settled = call.then(
      (failures) => this.extensionsFailed(due, failures),
      (error: unknown) => this.failed(EXTENSIONS_FAILED, error, due.length),
    );
    for (const attempt of due) this.extending.set(attempt, settled);
    void settled.then(() => {
      for (const attempt of due) if (this.extending.get(attempt) === settled) this.extending.delete(attempt);
    });
  }

  /** A delivery the queue no longer holds cannot be extended again: its run stays guarded by its lease. */
  private extensionsFailed(due: readonly KeptAttempt[], failures: readonly ExtendFailure[]): void {
    if (failures.length === 0) return;
    const notHeld = new Set(failures.filter((failure) => failure.error instanceof DeliveryNotHeldError).map((failure) => failure.delivery));
    for (const attempt of due) if (notHeld.has(attempt.delivery)) this.visibilityDue.delete(attempt);
    this.failed(EXTENSIONS_FAILED, failures[0]?.error, failures.length);
  }

  private answered(attempt: KeptAttempt, result: HeartbeatResult): void {
    this.pending.delete(attempt);
    if (!this.leaseDue.has(attempt)) return;
    if (!result.held) {
      this.untrack(attempt);
      attempt.onLeaseLost();
    } else if (result.cancelRequested) {
      attempt.onCancelRequested();
    }
  }

  /** One warning per few seconds with a count, however many calls fail during an outage. */
  private failed(what: string, error: unknown, count = 1): void {
    this.failuresSinceLog += count;
    const now = this.clock();
    if (now - this.lastFailureLog < 5_000) return;
    this.logger.warn({ err: error, failures: this.failuresSinceLog }, what);
    this.failuresSinceLog = 0;
    this.lastFailureLog = now;
  }
}
