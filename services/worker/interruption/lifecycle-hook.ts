import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import type { Logger } from '../../core/logger.js';
import type { ImdsClient } from './imds-client.js';

/**
 * The ASG termination lifecycle hook holds a scaled-in instance in Terminating:Wait so its worker can
 * drain. Completing the hook once the drain is over lets the instance go at once instead of at the
 * hook's timeout (which is paid for). The instance role allows this on its own ASG only.
 */

export interface LifecycleHookOptions {
  asgName: string;
  hookName: string;
  region: string;
  /** An AutoScaling-compatible endpoint (emulators). */
  endpoint?: string;
}

export class LifecycleHook {
  private readonly client: AutoScalingClient;

  constructor(
    private readonly options: LifecycleHookOptions,
    private readonly imds: Pick<ImdsClient, 'get'>,
    private readonly logger: Logger,
  ) {
    this.client = new AutoScalingClient({ region: options.region, endpoint: options.endpoint });
  }

  /** Never throws: if the call fails, the hook's timeout still ends the wait. */
  async complete(): Promise<void> {
    try {
      const instanceId = await this.imds.get('/latest/meta-data/instance-id');
      if (!instanceId) throw new Error('IMDS has no instance-id');
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
}
