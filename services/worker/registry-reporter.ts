import type { WorkerRegistry, WorkerStatus } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';

/**
 * Keeps the worker's entry in the fleet registry fresh (the scaler tells idle workers from busy ones
 * by it, `GET /v1/fleet` shows it): a report at start, every `intervalMs`, and on demand (the breaker
 * changed); at most one report in flight. A failed report is logged and the next one tries again.
 */
export class RegistryReporter {
  private timer: NodeJS.Timeout | undefined;
  private reporting: Promise<void> | undefined;
  private left = false;

  constructor(
    private readonly registry: WorkerRegistry | undefined,
    private readonly status: () => Omit<WorkerStatus, 'seenAt'>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.report();
    this.timer = setInterval(() => void this.report(), this.intervalMs);
  }

  report(): Promise<void> {
    const registry = this.registry;
    if (!registry || this.left) return Promise.resolve();
    this.reporting ??= registry
      .report(this.status())
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not report to the fleet registry'))
      .finally(() => (this.reporting = undefined));
    return this.reporting;
  }

  /** No report may land after the removal, or a stopped worker would reappear in the fleet. */
  async leave(workerId: string): Promise<void> {
    this.left = true;
    if (this.timer) clearInterval(this.timer);
    await this.reporting;
    await this.registry?.remove(workerId).catch((error: unknown) => this.logger.warn({ err: error }, 'could not leave the fleet registry'));
  }
}
