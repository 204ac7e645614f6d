import type { Logger } from '../core/logger.js';
import type { QueueDriver } from '../core/queue/contract.js';
import { samplePeriodStart, type QueueHistory } from '../core/queue/queue-history.js';
import type { RunStore } from '../core/run/store.js';
import { readQueueStats } from './queue-stats.js';

/**
 * Samples GET /v1/queue's numbers into the queue history once per period, so the console's chart of
 * the last hour has data the moment it opens. A failed sample (Redis or the queue down) is skipped:
 * the chart shows the gap, and the next period tries again.
 */
export class QueueSampler {
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> | undefined;

  constructor(
    private readonly queue: Pick<QueueDriver, 'depth'>,
    private readonly store: Pick<RunStore, 'oldestQueuedAgeSeconds'>,
    private readonly history: QueueHistory,
    private readonly periodMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    const tick = () => {
      this.sampling = this.sample().finally(() => {
        this.sampling = undefined;
      });
    };
    tick();
    this.timer = setInterval(tick, this.periodMs);
    this.timer.unref();
  }

  async sample(): Promise<void> {
    try {
      const stats = await readQueueStats(this.queue, this.store);
      await this.history.record({ at: samplePeriodStart(this.now(), this.periodMs), ...stats });
    } catch (error) {
      this.logger.debug({ err: error }, 'queue sample skipped');
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.sampling;
  }
}
