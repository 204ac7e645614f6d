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
  /** Consecutive failed reads per path, so a path that keeps failing is logged now and then, not every poll. */
  private readonly failures = new Map<string, number>();

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
      const [rebalance, action, lifecycle] = await Promise.all([
        this.reported.has('rebalance') ? undefined : this.read('/latest/meta-data/events/recommendations/rebalance'),
        this.read('/latest/meta-data/spot/instance-action'),
        this.read('/latest/meta-data/autoscaling/target-lifecycle-state'),
      ]);
      const now = Date.now();
      this.report(rebalanceNotice(rebalance));
      this.report(spotNotice(action, now, this.options.spotMarginMs));
      this.report(scaleInNotice(lifecycle, now, this.options.scaleInGraceMs));
    } finally {
      this.polling = false;
    }
  }

  /**
   * The item, or undefined when IMDS has none or the read failed: each path is read on its own so that
   * one failing (a 500, a timeout) cannot hide a Spot notice or a scale-in another one carries.
   */
  private async read(path: string): Promise<string | undefined> {
    try {
      const text = await this.imds.get(path);
      this.failures.delete(path);
      return text;
    } catch (error) {
      const failures = (this.failures.get(path) ?? 0) + 1;
      this.failures.set(path, failures);
      if (failures === 1 || failures % 60 === 0) this.logger.warn({ err: error, path, failures }, 'instance metadata read failed');
      return undefined;
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
