import type { Logger } from '../core/logger.js';
import type { RunStore } from '../core/run/store.js';

/**
 * An agent's log and progress events on their way to the run's event stream. Bounded so a chatty
 * agent cannot flood Redis or the worker's memory: each attempt has a token bucket (a burst, then a
 * steady rate), messages are cut to a maximum length, and the worker as a whole keeps a bounded
 * number of writes in flight. What is dropped is counted and reported as one log event at the end.
 */

export interface EventLimits {
  /** @defaultValue 200 */
  burst: number;
  /** @defaultValue 20 */
  perSecond: number;
  /** Longest log message or serialized progress kept, in characters. @defaultValue 8192 */
  maxLength: number;
  /** Event writes in flight across the worker. @defaultValue 5000 */
  maxInFlight: number;
}

export const DEFAULT_EVENT_LIMITS: EventLimits = { burst: 200, perSecond: 20, maxLength: 8192, maxInFlight: 5000 };

/** Shared by every attempt of one worker. */
export class EventWriter {
  private inFlight = 0;
  private lastErrorLog = 0;

  constructor(
    private readonly store: Pick<RunStore, 'appendEvent'>,
    readonly limits: EventLimits,
    private readonly logger: Logger,
    readonly clock: () => number = Date.now,
  ) {}

  /** False when the worker-wide bound is reached and the event was not written. */
  write(runId: string, type: 'log' | 'progress', data: unknown): boolean {
    if (this.inFlight >= this.limits.maxInFlight) return false;
    this.inFlight += 1;
    this.store.appendEvent(runId, type, data).then(
      () => (this.inFlight -= 1),
      (error: unknown) => {
        this.inFlight -= 1;
        const now = this.clock();
        if (now - this.lastErrorLog < 5_000) return;
        this.lastErrorLog = now;
        this.logger.warn({ err: error, runId }, 'could not write an agent event; events are best-effort');
      },
    );
    return true;
  }

  forAttempt(runId: string): AttemptEvents {
    return new AttemptEvents(runId, this);
  }
}

export class AttemptEvents {
  private tokens: number;
  private refilledAt: number;
  private dropped = 0;
  private closed = false;

  constructor(
    private readonly runId: string,
    private readonly writer: EventWriter,
  ) {
    this.tokens = writer.limits.burst;
    this.refilledAt = writer.clock();
  }

  log(message: string, fields?: Record<string, unknown>): void {
    const max = this.writer.limits.maxLength;
    const text = message.length > max ? `${message.slice(0, max)}… (${message.length - max} characters cut)` : message;
    this.emit('log', fields && Object.keys(fields).length > 0 ? { ...fields, message: text } : { message: text });
  }

  progress(data: Record<string, unknown>): void {
    const size = JSON.stringify(data)?.length ?? 0;
    this.emit('progress', size > this.writer.limits.maxLength ? { truncated: true, size } : data);
  }

  /**
   * Reports what was dropped and returns how many; events after this are ignored (a module agent
   * abandoned past its grace may still call).
   */
  close(): number {
    if (this.closed) return 0;
    this.closed = true;
    if (this.dropped > 0) this.writer.write(this.runId, 'log', { message: `${this.dropped} events dropped (rate limit)`, dropped: this.dropped });
    return this.dropped;
  }

  private emit(type: 'log' | 'progress', data: unknown): void {
    if (this.closed) return;
    const now = this.writer.clock();
    const { burst, perSecond } = this.writer.limits;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens < 1 || !this.writer.write(this.runId, type, data)) {
      this.dropped += 1;
      return;
    }
    this.tokens -= 1;
  }
}
