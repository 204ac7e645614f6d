import { submitRun } from '../../api/submit-run.js';
import type { Logger } from '../../core/logger.js';
import type { QueueDriver } from '../../core/queue/index.js';
import type { RunSpec } from '../../core/run/model.js';
import type { RunStore } from '../../core/run/store.js';

/**
 * Keeps at least `waiting` runs visible in the queue, submitted as the API submits them, so a slot
 * that frees up finds its next run at once. Remembers every run it submitted.
 */
export class RunFeeder {
  readonly runIds: string[] = [];
  /** Deliveries held by workers at the last look. */
  running = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly store: RunStore,
    private readonly queue: QueueDriver,
    private readonly logger: Logger,
    private readonly tenant: string,
    private readonly spec: RunSpec,
    private readonly waiting: number,
    private readonly pollMs = 50,
  ) {}

  start(): void {
    this.loop = this.feed().catch((error: unknown) => {
      this.failure = error;
    });
  }

  /** Stops feeding; rejects with what stopped it early, if anything did. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (this.failure) throw this.failure;
  }

  private async feed(): Promise<void> {
    while (!this.stopping) {
      const depth = await this.queue.depth();
      this.running = depth.inFlight;
      const missing = this.waiting - depth.visible;
      if (missing > 0) {
        const submitted = await Promise.all(Array.from({ length: missing }, () => submitRun(this.store, this.queue, this.logger, this.tenant, this.spec, undefined)));
        this.runIds.push(...submitted.map((s) => s.run.id));
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }
}
