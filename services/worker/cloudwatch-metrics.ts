import type { Counter } from 'prom-client';
import { RUN_METRICS } from '../../environments/names.js';
import type { Logger } from '../core/logger.js';

/**
 * Run outcomes for the CloudWatch error-rate alarm (modules/alerts), published with the Embedded
 * Metric Format: once a minute the worker writes one JSON line on stdout, the awslogs log driver ships
 * it to CloudWatch Logs, and CloudWatch Logs turns it into metrics. No PutMetricData call, no
 * permission beyond writing logs, no agent on the host.
 */

/** Finished attempts so far, by outcome (the worker's `agentfleet_worker_attempts_finished_total`). */
export type OutcomeTotals = Readonly<Record<string, number>>;

export interface AttemptCounts {
  failed: number;
  finished: number;
}

/**
 * Attempts finished between two readings of the totals, for the fleet's error-rate alarm (the brief's
 * "error_rate > 10%"): failed and timed out are failures, whoever's fault (the breakers tell them
 * apart); cancelled, interrupted and lost attempts say nothing about health and are left out of both counts.
 */
export function attemptCounts(now: OutcomeTotals, before: OutcomeTotals): AttemptCounts {
  const delta = (outcome: string) => Math.max(0, (now[outcome] ?? 0) - (before[outcome] ?? 0));
  const failed = delta('failed') + delta('timed_out');
  return { failed, finished: failed + delta('succeeded') };
}

export interface RunMetricsSource {
  environment: string;
  worker: string;
  pool: string;
}

/**
 * One EMF document. Its only dimension is `Environment`, so every worker's numbers add up into the one
 * metric the alarm reads; worker and pool ride along as plain fields for Logs Insights.
 */
export function runMetricsDocument(counts: AttemptCounts, source: RunMetricsSource, timestampMs: number): Record<string, unknown> {
  return {
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: RUN_METRICS.namespace,
          Dimensions: [[RUN_METRICS.dimension]],
          Metrics: [
            { Name: RUN_METRICS.failedAttempts, Unit: 'Count' },
            { Name: RUN_METRICS.finishedAttempts, Unit: 'Count' },
          ],
        },
      ],
    },
    [RUN_METRICS.dimension]: source.environment,
    [RUN_METRICS.failedAttempts]: counts.failed,
    [RUN_METRICS.finishedAttempts]: counts.finished,
    worker: source.worker,
    pool: source.pool,
  };
}

/** Reads the worker's finished-attempts counter as totals by outcome. */
export async function outcomeTotals(counter: Counter<'outcome'>): Promise<OutcomeTotals> {
  const totals: Record<string, number> = {};
  for (const { labels, value } of (await counter.get()).values) {
    const outcome = String(labels.outcome);
    totals[outcome] = (totals[outcome] ?? 0) + value;
  }
  return totals;
}

export interface RunMetricsPublisherOptions {
  source: RunMetricsSource;
  readTotals: () => Promise<OutcomeTotals>;
  /** Receives each document as one line; a single write, so it never interleaves with log lines. */
  write: (line: string) => void;
  logger: Logger;
  /** @defaultValue 60000 (the alarm's period) */
  intervalMs?: number;
  clock?: () => number;
}

/** Publishes what finished since the last document, every interval and once more when stopped. */
export class RunMetricsPublisher {
  private timer: NodeJS.Timeout | undefined;
  private published: OutcomeTotals = {};
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RunMetricsPublisherOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.intervalMs ?? 60_000);
    // Only the worker's own work keeps the process alive.
    this.timer.unref();
  }

  /** Stops the timer and publishes the last partial interval, so a worker that drains and exits loses nothing. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Writes nothing for an interval in which nothing finished: an idle fleet costs no log lines. Flushes
   * run one after another, so a stop during a timed flush cannot count the same attempts twice. Never
   * rejects: a metric that cannot be published is logged, and counted in the next document.
   */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      try {
        const totals = await this.options.readTotals();
        const counts = attemptCounts(totals, this.published);
        if (counts.finished > 0) {
          const document = runMetricsDocument(counts, this.options.source, (this.options.clock ?? Date.now)());
          this.options.write(`${JSON.stringify(document)}\n`);
        }
        this.published = totals;
      } catch (error) {
        this.options.logger.warn({ err: error }, 'run metrics not published; they will be in the next document');
      }
    });
    return this.flushing;
  }
}
