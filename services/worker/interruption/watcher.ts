import type { Logger } from '../../core/logger.js';
import type { ImdsClient } from './imds-client.js';
import { rebalanceNotice, scaleInNotice, spotNotice, type InterruptionNotice } from './notices.js';

/**
 * Polls instance metadata for a Spot interruption notice, an EC2 rebalance recommendation and ASG
 * scale-in, and reports each kind once. Only on EC2 (IMDS_ENDPOINT set): Fargate announces a Spot
 * reclaim and a scale-in with SIGTERM, which the worker already drains on.
 */

export interface InterruptionWatcherOptions {
  pollMs: number;
  /** A Spot drain deadline is the reclaim time minus this margin. */
  spotMarginMs: number;
  /** A scale-in drain lasts this long (SCALE_IN_GRACE_SECONDS). */
  scaleInGraceMs: number;
}

export class InterruptionWatcher {
  private timer: NodeJS.Timeout | undefined;
  private readonly reported = new Set<InterruptionNotice['kind']>();
  private polling = false;
  private failures = 0;

  constructor(
    private readonly imds: Pick<ImdsClient, 'get'>,
    private readonly options: InterruptionWatcherOptions,
    private readonly onNotice: (notice: InterruptionNotice) => void,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs);
    void this.poll();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const action = await this.imds.get('/latest/meta-data/spot/instance-action');
      const lifecycle = await this.imds.get('/latest/meta-data/autoscaling/target-lifecycle-state');
      const rebalance = this.reported.has('rebalance') ? undefined : await this.imds.get('/latest/meta-data/events/recommendations/rebalance');
      this.failures = 0;
      const now = Date.now();
      this.report(rebalanceNotice(rebalance));
      this.report(spotNotice(action, now, this.options.spotMarginMs));
      this.report(scaleInNotice(lifecycle, now, this.options.scaleInGraceMs));
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 60 === 0) this.logger.warn({ err: error, failures: this.failures }, 'instance metadata unreachable');
    } finally {
      this.polling = false;
    }
  }

  private report(notice: InterruptionNotice | undefined): void {
    if (!notice || this.reported.has(notice.kind)) return;
    this.reported.add(notice.kind);
    const deadline = Number.isFinite(notice.deadline) ? new Date(notice.deadline).toISOString() : 'none';
    this.logger.warn({ notice: notice.kind, detail: notice.detail, deadline }, 'interruption notice');
    this.onNotice(notice);
  }
}
