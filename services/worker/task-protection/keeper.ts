import type { Logger } from '../../core/logger.js';
import { decideProtection, observeBusy, protectionPolicy, type ProtectionPolicy, type ProtectionState } from './decision.js';
import type { EcsAgentClient } from './ecs-agent-client.js';

/**
 * Keeps a busy Fargate worker's task protected from ECS scale-in (the scaler lowering a service's
 * desired count stops unprotected tasks first, and never a protected one). Each tick reads the busy
 * slots and carries out decision.ts; at most one call is in flight. A failed call is logged and the
 * next tick tries again: it never stops the worker, which at worst is as unprotected as before.
 */

export interface TaskProtectionKeeperOptions {
  /** ExpiresInMinutes of each grant (TASK_PROTECTION_MINUTES). */
  minutes: number;
  /** @defaultValue protectionPolicy(minutes) */
  policy?: ProtectionPolicy;
  /** A run that starts is protected within this. @defaultValue 1000 */
  tickMs?: number;
}

export class TaskProtectionKeeper {
  private state: ProtectionState = {};
  private readonly policy: ProtectionPolicy;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private asked = false;
  private failures = 0;

  constructor(
    private readonly agent: Pick<EcsAgentClient, 'setProtection'>,
    private readonly busy: () => number,
    private readonly options: TaskProtectionKeeperOptions,
    private readonly logger: Logger,
  ) {
    this.policy = options.policy ?? protectionPolicy(options.minutes);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.options.tickMs ?? 1_000);
    void this.tick();
  }

  tick(): Promise<void> {
    this.ticking ??= this.step().finally(() => (this.ticking = undefined));
    return this.ticking;
  }

  /** At the end of the drain: no more ticks, and the protection dropped if it may be held. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    if (!this.asked) return;
    try {
      await this.agent.setProtection(false);
      this.logger.info('task scale-in protection dropped: the worker has stopped');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not drop task scale-in protection; it lapses by itself');
    }
  }

  private async step(): Promise<void> {
    const now = Date.now();
    this.state = observeBusy(this.state, this.busy(), now);
    const action = decideProtection(this.state, now, this.policy);
    if (action === 'none') return;
    try {
      if (action === 'protect') {
        this.asked = true;
        const renewal = this.state.grantedAt !== undefined && now < this.state.grantedAt + this.policy.durationMs;
        await this.agent.setProtection(true, this.options.minutes);
        this.state = { ...this.state, grantedAt: now };
        this.logger[renewal ? 'debug' : 'info']({ minutes: this.options.minutes }, renewal ? 'task scale-in protection renewed' : 'task scale-in protection on: the worker is busy');
      } else {
        await this.agent.setProtection(false);
        this.state = { ...this.state, grantedAt: undefined };
        this.logger.info('task scale-in protection dropped: the worker is idle');
      }
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 60 === 0) this.logger.warn({ err: error, action, failures: this.failures }, 'task scale-in protection call failed; retrying on the next tick');
      return;
    }
    // A run may have started while the drop was in flight: deciding again now protects it at once
    // instead of leaving it unprotected until the next tick. Bounded: with no grant, the next decision
    // is never another release.
    if (action === 'release') await this.step();
  }
}
