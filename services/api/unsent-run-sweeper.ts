import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { METRIC_PREFIX } from '../core/metrics.js';
import type { QueueDriver } from '../core/queue/contract.js';
import type { RunStore } from '../core/run/store.js';
import { queueRunMessage } from './submit-run.js';

/**
 * Sends the queue messages of runs recorded but never queued: the API process (or Redis) died between
 * recording a run and sending its message, or the send failed and so did the discard, and no client
 * retried with the same Idempotency-Key (which would have sent it, submit-run.ts). Every API process
 * runs one, on a timer with jitter; the store's claim (claimUnsent) keeps concurrent sweepers from
 * sending the same run, and a message sent twice anyway is harmless (the lease compare-and-set starts
 * a run once). A sweep costs one script call when the outbox holds nothing old enough.
 */

export interface UnsentRunSweeperOptions {
  /**
   * How long a run stays in the outbox before the sweeper sends its message: far longer than a send
   * takes, so it never races the request that created the run. @defaultValue 30000
   */
  graceMs?: number;
  /** Mean time between sweeps; each wait is drawn from 50-150 % of it. @defaultValue 10000 */
  intervalMs?: number;
  /** Runs claimed per script call. @defaultValue 100 */
  batchSize?: number;
  /** [0, 1). @defaultValue Math.random */
  random?: () => number;
}

export const DEFAULT_UNSENT_GRACE_MS = 30_000;
export const DEFAULT_SWEEP_INTERVAL_MS = 10_000;
/** The longest a run recorded but never queued waits for its message with the default settings. */
export const LONGEST_UNSENT_WAIT_MS = DEFAULT_UNSENT_GRACE_MS + 1.5 * DEFAULT_SWEEP_INTERVAL_MS;

/** Bounds one sweep's work; the next sweep picks up whatever is left. */
const MAX_BATCHES_PER_SWEEP = 10;

export class UnsentRunSweeper {
  private readonly graceMs: number;
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private readonly random: () => number;
  private readonly resent: Counter;
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly store: Pick<RunStore, 'claimUnsent' | 'markSent'>,
    private readonly queue: Pick<QueueDriver, 'send'>,
    private readonly logger: Logger,
    registry: Registry,
    options: UnsentRunSweeperOptions = {},
  ) {
    this.graceMs = options.graceMs ?? DEFAULT_UNSENT_GRACE_MS;
    this.intervalMs = options.intervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.batchSize = options.batchSize ?? 100;
    this.random = options.random ?? Math.random;
    this.resent = new Counter({
      name: `${METRIC_PREFIX}unsent_runs_resent_total`,
      help: 'Queue messages the sweeper sent for runs recorded but never queued',
      registers: [registry],
    });
  }

  start(): void {
    if (this.timer) return;
    this.stopped = false;
    this.schedule();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** One sweep: claims due runs and sends their messages. Resolves to how many were sent. */
  async sweep(): Promise<number> {
    let sent = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch++) {
      const runs = await this.store.claimUnsent(this.graceMs, this.batchSize);
      const results = await Promise.allSettled(runs.map((run) => queueRunMessage(this.store, this.queue, this.logger, run)));
      results.forEach((result, index) => {
        const run = runs[index]!;
        if (result.status === 'fulfilled') {
          sent += 1;
          this.resent.inc();
          this.logger.warn({ runId: run.id, tenant: run.tenant, createdAt: run.createdAt }, 'sent the queue message of a run recorded but never queued');
        } else {
          this.logger.warn({ err: result.reason, runId: run.id }, 'could not send the message of a run recorded but never queued; a later sweep retries');
        }
      });
      if (runs.length < this.batchSize) break;
    }
    return sent;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.intervalMs * (0.5 + this.random());
    this.timer = setTimeout(() => {
      const sweeping = this.sweep().catch((error: unknown) => {
        this.logger.debug({ err: error }, 'unsent-run sweep failed; retrying on the next one');
      });
      this.sweeping = sweeping;
      void sweeping.then(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
