import { ConfigError, type PlatformConfig } from '../config.js';
import type { Logger } from '../logger.js';
import { BullmqDriver } from './bullmq-driver.js';
import type { QueueDriver } from './contract.js';
import { SqsDriver, type SqsDriverOptions } from './sqs-driver.js';

export type { Delivery, ExtendFailure, QueueDepth, QueueDriver, ReceiveOptions, ReleaseOptions, SendOptions } from './contract.js';
export { DeliveryNotHeldError, MessageRejectedError, MessageTooLargeError, QueueArgumentError, QueueUnavailableError } from './errors.js';
export { MAX_BODY_BYTES, MAX_DELAY_SECONDS, MAX_VISIBILITY_SECONDS } from './limits.js';

export interface QueueDriverDependencies {
  logger: Logger;
  /** SQS only: credentials to use instead of AWS's default chain (tests and emulators). */
  sqsCredentials?: SqsDriverOptions['credentials'];
}

/** The queue driver QUEUE_DRIVER names, configured from the platform config (DESIGN §4). */
export function createQueueDriver(config: PlatformConfig, { logger, sqsCredentials }: QueueDriverDependencies): QueueDriver {
  if (config.QUEUE_DRIVER === 'bullmq') {
    return new BullmqDriver({
      redisUrl: config.REDIS_URL,
      queueName: config.QUEUE_NAME,
      visibilitySeconds: config.VISIBILITY_SECONDS,
      logger,
    });
  }
  const missing = (['SQS_QUEUE_URL', 'SQS_DLQ_URL'] as const).filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(`invalid configuration:\n${missing.map((name) => `  ${name}: required when QUEUE_DRIVER=sqs`).join('\n')}`);
  }
  return new SqsDriver({
    queueUrl: config.SQS_QUEUE_URL as string,
    highPriorityQueueUrl: config.SQS_HIGH_PRIORITY_QUEUE_URL,
    deadLetterQueueUrl: config.SQS_DLQ_URL as string,
    visibilitySeconds: config.VISIBILITY_SECONDS,
    region: config.AWS_REGION,
    endpoint: config.AWS_ENDPOINT_URL,
    credentials: sqsCredentials,
    logger,
  });
}
