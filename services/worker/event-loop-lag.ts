import { Waiters } from './waiters.js';

/**
 * How late the worker's event loop runs, measured by a short repeating timer. The receivers ask
 * before each receive: while the loop lags (thousands of attempts starting or finishing at once),
 * taking more work would only delay the heartbeats, cancels and timeouts of the work already held,
 * so intake pauses until a tick comes on time again.
 */
export class EventLoopLag {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private lagMs = 0;
  private readonly waiters = new Waiters();

  constructor(
    private readonly intervalMs = 10,
    private readonly thresholdMs = 5,
  ) {}

  start(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.lagMs = 0;
    this.waiters.wakeAll();
  }

  get lagging(): boolean {
    return this.lagMs >= this.thresholdMs;
  }

  /** Resolves at once while the loop keeps up, otherwise on the first tick that is on time (or on abort). */
  keepingUp(signal: AbortSignal): Promise<void> {
    if (!this.lagging) return Promise.resolve();
    return this.waiters.next(signal);
  }

  private tick(): void {
    const now = performance.now();
    this.lagMs = Math.max(0, now - this.last - this.intervalMs);
    this.last = now;
    if (!this.lagging) this.waiters.wakeAll();
  }
}
