import type { AnswerLog } from './answer-log.js';
import type { ChaosSession } from './session.js';
import { sleep } from './wait.js';

/**
 * A well-behaved API client under a fault: one new run every `everyMs` (and bursts on demand), each
 * with its own Idempotency-Key, retried with that key on 503 (after Retry-After, capped) or on no
 * answer, until accepted or `giveUpMs`. Accepted runs join the session's census.
 */

export interface RetryingClientOptions {
  keyPrefix: string;
  everyMs: number;
  /** Retry-After is honoured up to this long, so the client keeps probing through a short outage. */
  retryCapMs: number;
  giveUpMs: number;
  /** The body of the index-th submission. */
  body(index: number): Record<string, unknown>;
}

export class RetryingClient {
  retries = 0;
  /** Submissions that were refused for good (`key: status`) or never accepted in time. */
  readonly unaccepted: string[] = [];
  private readonly acceptedAt: number[] = [];
  private readonly startedIn: string[] = [];
  private stopped = false;
  private count = 0;

  constructor(
    private readonly session: ChaosSession,
    private readonly answers: AnswerLog,
    private readonly phase: () => string,
    private readonly options: RetryingClientOptions,
  ) {}

  /** Submits every `everyMs` until stop(); resolves once every submission is settled. */
  async run(): Promise<void> {
    const inFlight: Promise<void>[] = [];
    while (!this.stopped) {
      inFlight.push(this.submitOne(this.count++));
      await sleep(this.options.everyMs);
    }
    await Promise.all(inFlight);
  }

  stop(): void {
    this.stopped = true;
  }

  /** `count` submissions at once (each retried on its own). */
  async burst(count: number): Promise<void> {
    await Promise.all(Array.from({ length: count }, () => this.submitOne(this.count++)));
  }

  /** Whether a submission was accepted at or after `ms` (ms since epoch). */
  acceptedSince(ms: number): boolean {
    return this.acceptedAt.some((at) => at >= ms);
  }

  /** Submissions first made during `phase`. */
  submittedDuring(phase: string): number {
    return this.startedIn.filter((p) => p === phase).length;
  }

  private async submitOne(index: number): Promise<void> {
    const key = `${this.options.keyPrefix}-${index}`;
    const body = this.options.body(index);
    this.startedIn.push(this.phase());
    const giveUpAt = Date.now() + this.options.giveUpMs;
    for (let tries = 0; Date.now() < giveUpAt; tries++) {
      if (tries > 0) this.retries += 1;
      const answer = await this.answers.record(this.phase(), 'POST /v1/runs', () =>
        this.session.dev.api.request<{ id: string }>('POST', '/v1/runs', body, { 'idempotency-key': key }),
      );
      if (answer?.status === 202) {
        this.session.adopt(answer.json.id);
        this.acceptedAt.push(Date.now());
        return;
      }
      if (answer && answer.status !== 503) {
        this.unaccepted.push(`${key}: ${answer.status}`);
        return;
      }
      const retryAfterMs = Number(answer?.headers.get('retry-after') ?? 1) * 1000;
      await sleep(Math.min(Number.isFinite(retryAfterMs) ? retryAfterMs : 1_000, this.options.retryCapMs));
    }
    this.unaccepted.push(`${key}: not accepted within ${this.options.giveUpMs / 1000} s`);
  }
}
