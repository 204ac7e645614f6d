import type { EnvironmentConfig } from '../../../environments/index.js';
import type { SqsUsage } from './sqs-cost.js';

/**
 * What the planner assumes about SQS traffic when it prices a month of `concurrency` runs. The brief
 * gives no run duration; five minutes is our assumption, printed with the result. The rest follows
 * the worker: one SendMessage, one ReceiveMessage and one DeleteMessage per run (batching happens only
 * under load, so this is the dear end), and one ChangeMessageVisibility per running run every
 * visibility timeout / 3 (services/worker/heartbeat.ts), not batched.
 */
export const MEAN_RUN_SECONDS = 300;
export const MESSAGE_KIB = 4;

export function sqsAssumptions(config: EnvironmentConfig): Omit<SqsUsage, 'concurrency'> {
  return {
    meanRunSeconds: MEAN_RUN_SECONDS,
    heartbeatSeconds: config.worker.heartbeat.visibilitySeconds / 3,
    heartbeatBatch: 1,
    sendBatch: 1,
    receiveBatch: 1,
    deleteBatch: 1,
    messageKiB: MESSAGE_KIB,
  };
}

export function sqsUsageFor(config: EnvironmentConfig, concurrency: number): SqsUsage {
  return { ...sqsAssumptions(config), concurrency };
}
