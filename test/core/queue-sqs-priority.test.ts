import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import test from 'ava';
import { createLogger } from '../../services/core/logger.js';
import { SqsDriver } from '../../services/core/queue/sqs-driver.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';

/**
 * Priority on SQS: two queues, the high-priority one drained first (fauxqs, an SQS-protocol server).
 * Where each message went is read from the server, not through the driver.
 */

const logger = createLogger('queue-test', 'silent');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

async function withServer(run: (server: TestSqs, client: SQSClient) => Promise<void>): Promise<void> {
  const server = await startSqs({ visibilityTimeout: 30 });
  const client = new SQSClient({ region: 'us-east-1', endpoint: server.endpoint, credentials });
  try {
    await run(server, client);
  } finally {
    client.destroy();
    await server.stop();
  }
}

async function waiting(client: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(Attributes?.ApproximateNumberOfMessages ?? 0);
}

const driverFor = (server: TestSqs, highPriorityQueueUrl?: string) =>
  new SqsDriver({ queueUrl: server.queueUrl, highPriorityQueueUrl, deadLetterQueueUrl: server.dlqUrl, region: 'us-east-1', endpoint: server.endpoint, credentials, logger });

test('a priority above 0 goes to the high-priority queue, and receives drain it before the normal queue', async (t) => {
  await withServer(async (server, client) => {
    const driver = driverFor(server, server.highPriorityQueueUrl);
    try {
      await driver.sendBatch(['n1', 'n2', 'n3'], [{ priority: 0 }, {}, { priority: 0 }]);
      await driver.sendBatch(['h1', 'h2'], [{ priority: 1 }, { priority: 100 }]);
      t.is(await waiting(client, server.queueUrl), 3);
      t.is(await waiting(client, server.highPriorityQueueUrl), 2);
      const order: string[] = [];
      for (let i = 0; i < 5; i++) {
        const [delivery] = await driver.receive(1, { waitSeconds: 2 });
        order.push(delivery!.body);
        await driver.ack(delivery!);
      }
      t.deepEqual(order.slice(0, 2).sort(), ['h1', 'h2']);
      t.deepEqual(order.slice(2).sort(), ['n1', 'n2', 'n3']);
      t.like(await driver.depth(), { visible: 0, inFlight: 0 });
    } finally {
      await driver.close();
    }
  });
});

test('an idle receive keeps looking at the high-priority queue while it waits on the normal one', async (t) => {
  await withServer(async (server) => {
    const driver = driverFor(server, server.highPriorityQueueUrl);
    try {
      const polling = driver.receive(1, { waitSeconds: 10 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await driver.send('urgent', { priority: 50 });
      const [delivery] = await polling;
      t.is(delivery?.body, 'urgent');
    } finally {
      await driver.close();
    }
  });
});

test('without a high-priority queue, priority is accepted and ignored: everything goes to the one queue', async (t) => {
  await withServer(async (server, client) => {
    const driver = driverFor(server);
    try {
      await driver.send('high', { priority: 100 });
      t.is(await waiting(client, server.queueUrl), 1);
      t.is(await waiting(client, server.highPriorityQueueUrl), 0);
    } finally {
      await driver.close();
    }
  });
});
