import test from 'ava';
import { ConfigError, loadConfig } from '../../services/core/config.js';
import { createLogger } from '../../services/core/logger.js';
import { createQueueDriver } from '../../services/core/queue/index.js';
import { startSqs } from '../support/fauxqs.js';
import { startRedis } from '../support/redis.js';

/** createQueueDriver: QUEUE_DRIVER picks the driver, configured from the same variables as production. */

const logger = createLogger('queue-test', 'silent');

test('QUEUE_DRIVER=bullmq gives a BullMQ driver on REDIS_URL', async (t) => {
  const redis = await startRedis();
  const driver = createQueueDriver(loadConfig({ QUEUE_DRIVER: 'bullmq', REDIS_URL: redis.url, QUEUE_NAME: 'factory' }), { logger });
  try {
    t.is(driver.name, 'bullmq');
    await driver.send('through the factory');
    const [delivery] = await driver.receive(1, { waitSeconds: 5 });
    t.is(delivery?.body, 'through the factory');
  } finally {
    await driver.close();
    await redis.stop();
  }
});

test('QUEUE_DRIVER=sqs gives an SQS driver on SQS_QUEUE_URL, through AWS_ENDPOINT_URL', async (t) => {
  const sqs = await startSqs();
  const config = loadConfig({
    QUEUE_DRIVER: 'sqs',
    SQS_QUEUE_URL: sqs.queueUrl,
    SQS_DLQ_URL: sqs.dlqUrl,
    AWS_ENDPOINT_URL: sqs.endpoint,
  });
  const driver = createQueueDriver(config, { logger, sqsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    t.is(driver.name, 'sqs');
    await driver.send('through the factory');
    const [delivery] = await driver.receive(1, { waitSeconds: 5 });
    t.is(delivery?.body, 'through the factory');
  } finally {
    await driver.close();
    await sqs.stop();
  }
});

test('QUEUE_DRIVER=sqs without SQS_DLQ_URL stops with a ConfigError naming the variable', (t) => {
  const config = loadConfig({ QUEUE_DRIVER: 'sqs', SQS_QUEUE_URL: 'http://127.0.0.1:1/000000000000/runs' });
  const error = t.throws(() => createQueueDriver(config, { logger }), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /SQS_DLQ_URL: required when QUEUE_DRIVER=sqs/);
});
