import { AutoScalingClient, CompleteLifecycleActionCommand, RecordLifecycleActionHeartbeatCommand } from '@aws-sdk/client-auto-scaling';
import type { Logger } from '../../core/logger.js';
import type { ImdsClient } from './imds-client.js';

/**
 * The ASG termination lifecycle hook holds a scaled-in instance in Terminating:Wait so its worker can
 * drain. While the drain lasts the worker records a heartbeat every `heartbeatMs`, which restarts the
 * hook's heartbeat timeout: a run longer than that timeout is not cut (the hook's global timeout, 100
 * heartbeat timeouts or 48 h, still bounds the wait). Completing the hook once the drain is over lets
 * the instance go at once instead of at the timeout (which is paid for). The instance role allows both
 * calls on its own ASG only.
 */

export interface LifecycleHookOptions {
  asgName: string;
  hookName: string;
  region: string;
  /** How often a heartbeat is recorded while draining (LIFECYCLE_HEARTBEAT_SECONDS). */
  heartbeatMs: number;
  /** An AutoScaling-compatible endpoint (emulators). */
  endpoint?: string;
}

export class LifecycleHook {
  private readonly client: AutoScalingClient;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeat: Promise<void> | undefined;
  private instanceId: string | undefined;
  /** Once completed (its client destroyed), a late scale-in report must not start heartbeats that would keep the process alive. */
  private completed = false;

  constructor(
    private readonly options: LifecycleHookOptions,
    private readonly imds: Pick<ImdsClient, 'get'>,
    private readonly logger: Logger,
  ) {
    this.client = new AutoScalingClient({ region: options.region, endpoint: options.endpoint });
  }

  /** One heartbeat at once (the hook may have waited a poll already), then one every `heartbeatMs` until complete(). */
  startHeartbeats(): void {
    if (this.completed || this.heartbeatTimer) return;
    this.heartbeatTimer = setInterval(() => void this.recordHeartbeat(), this.options.heartbeatMs);
    void this.recordHeartbeat();
  }

  /** Never throws: if the call fails, the hook's timeout still ends the wait. */
  async complete(): Promise<void> {
    if (this.completed) return;
    this.completed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    await this.heartbeat;
    try {
      const instanceId = await this.readInstanceId();
      await this.client.send(
        new CompleteLifecycleActionCommand({
          AutoScalingGroupName: this.options.asgName,
          LifecycleHookName: this.options.hookName,
          InstanceId: instanceId,
          LifecycleActionResult: 'CONTINUE',
        }),
      );
      this.logger.info({ instanceId, hook: this.options.hookName }, 'lifecycle hook completed; the instance may terminate');
    } catch (error) {
      this.logger.warn({ err: error, hook: this.options.hookName }, 'could not complete the lifecycle hook; it ends at its timeout');
    } finally {
      this.client.destroy();
    }
  }

  /** At most one in flight; a failure is logged and the next interval tries again. */
  private recordHeartbeat(): Promise<void> {
    this.heartbeat ??= (async () => {
      try {
        await this.client.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: this.options.asgName,
            LifecycleHookName: this.options.hookName,
            InstanceId: await this.readInstanceId(),
          }),
        );
        this.logger.debug({ hook: this.options.hookName }, 'lifecycle hook heartbeat recorded');
      } catch (error) {
        this.logger.warn({ err: error, hook: this.options.hookName }, 'could not record a lifecycle hook heartbeat; retrying at the next interval');
      }
    })().finally(() => (this.heartbeat = undefined));
    return this.heartbeat;
  }

  private async readInstanceId(): Promise<string> {
    this.instanceId ??= (await this.imds.get('/latest/meta-data/instance-id'))?.trim() || undefined;
    if (!this.instanceId) throw new Error('IMDS has no instance-id');
    return this.instanceId;
  }
}
