import type { Redis } from 'ioredis';
import { WorkerRegistry, type WorkerStatus } from '../../core/fleet/worker-registry.js';
import type { Logger } from '../../core/logger.js';
import type { ImdsClient } from './imds-client.js';

/**
 * Which EC2 instance a worker runs on, and the fleet registry reports that carry it: the scaler
 * protects the instances of busy workers from scale-in (WorkerStatus.instanceId), so a worker that
 * cannot say where it runs could be terminated mid-run by the ASG.
 */

export interface InstanceIdOptions {
  /** Tries before giving up. @defaultValue 3 */
  attempts?: number;
  /** Wait after the first failed try, doubled after each further one. @defaultValue 1000 */
  firstRetryMs?: number;
}

/**
 * The instance id from IMDS (IMDSv2), or undefined when IMDS does not give it after a few tries. A
 * worker without it still runs, unprotected from scale-in, so this warns instead of failing the start.
 */
export async function readInstanceId(imds: Pick<ImdsClient, 'get'>, logger: Logger, options: InstanceIdOptions = {}): Promise<string | undefined> {
  const attempts = options.attempts ?? 3;
  let waitMs = options.firstRetryMs ?? 1_000;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const id = (await imds.get('/latest/meta-data/instance-id'))?.trim();
      if (id) return id;
      lastError = new Error('IMDS has no instance-id');
    } catch (error) {
      lastError = error;
    }
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      waitMs *= 2;
    }
  }
  logger.warn({ err: lastError, attempts }, 'instance id unknown: the scaler cannot protect this busy instance from scale-in');
  return undefined;
}

/** The fleet registry of a worker on EC2: each report names the instance. */
export class InstanceReportingRegistry extends WorkerRegistry {
  constructor(
    redis: Redis,
    private readonly instanceId: string,
  ) {
    super(redis);
  }

  override report(status: Omit<WorkerStatus, 'seenAt'>, now?: number): Promise<void> {
    return super.report({ ...status, instanceId: this.instanceId }, now);
  }
}
