import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import test from 'ava';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '../../services/core/logger.js';
import { BullmqDriver } from '../../services/core/queue/bullmq-driver.js';
import type { Delivery, QueueDriver } from '../../services/core/queue/contract.js';
import {
  DeliveryNotHeldError,
  MessageTooLargeError,
  QueueArgumentError,
  QueueUnavailableError,
} from '../../services/core/queue/errors.js';
import { MAX_BODY_BYTES } from '../../services/core/queue/limits.js';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { SqsDriver } from '../../services/core/queue/sqs-driver.js';
import { startSqs } from '../support/fauxqs.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * The queue contract (services/core/queue/contract.ts), one suite run against every driver: BullMQ on
 * a real redis-server, SQS on fauxqs (an SQS-protocol server) started in this process. Each test gets
 * its own queue, so tests run concurrently without seeing each other's messages.
 */

const logger = createLogger('queue-test', 'silent');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Harness {
  driver: QueueDriver;
  /** The dead-letter queue's messages, read from the backend itself rather than through the driver. */
  deadLetters(): Promise<{ body: string; reason: string }[]>;
  /** Makes the backend unreachable. */
  stopBackend(): Promise<void>;
  close(): Promise<void>;
}

interface Backend {
  name: 'bullmq' | 'sqs';
  /** `maxReceiveCount`: receives before the backend dead-letters a message nobody settles (default: the driver's, 100 on SQS). */
  start(options: { visibilitySeconds: number; privateServer?: boolean; maxReceiveCount?: number }): Promise<Harness>;
}

let sharedRedis: TestRedis;
test.before(async () => {
  sharedRedis = await startRedis();
});
test.after.always(async () => {
  await sharedRedis?.stop();
});

const bullmq: Backend = {
  name: 'bullmq',
  async start({ visibilitySeconds, privateServer, maxReceiveCount }) {
    const redis = privateServer ? await startRedis() : sharedRedis;
    const queueName = `contract-${randomUUID()}`;
    const driver = new BullmqDriver({ redisUrl: redis.url, queueName, visibilitySeconds, stalledCheckSeconds: 0.5, logger, ...(maxReceiveCount ? { maxReceiveCount } : {}) });
    await waitUntil(() => driver.ping().then(() => true), 'the BullMQ driver to connect');
    return {
      driver,
      async deadLetters() {
        const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
        const queue = new Queue(queueName, { connection: connection as never });
        try {
          const failed = await queue.getFailed();
          return failed.map((job) => ({ body: (job.data as { body: string }).body, reason: job.failedReason }));
        } finally {
          await queue.close();
          connection.disconnect();
        }
      },
      stopBackend: () => redis.stop(),
      async close() {
        await driver.close();
        if (privateServer) await redis.stop();
      },
    };
  },
};

const sqs: Backend = {
  name: 'sqs',
  async start({ visibilitySeconds, maxReceiveCount }) {
    // The queue keeps production's 15-minute backstop: every visibility here is the one the driver receives with.
    const server = await startSqs({ visibilityTimeout: 15 * 60, maxReceiveCount: maxReceiveCount ?? 100 });
    const driver = new SqsDriver({
      queueUrl: server.queueUrl,
      highPriorityQueueUrl: server.highPriorityQueueUrl,
      deadLetterQueueUrl: server.dlqUrl,
      visibilitySeconds,
      region: 'us-east-1',
      endpoint: server.endpoint,
      credentials,
      logger,
    });
    let stopped = false;
    return {
      driver,
      async deadLetters() {
        const client = new SQSClient({ region: 'us-east-1', endpoint: server.endpoint, credentials });
        try {
          const { Messages = [] } = await client.send(
            new ReceiveMessageCommand({ QueueUrl: server.dlqUrl, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'], VisibilityTimeout: 0 }),
          );
          return Messages.map((message) => ({ body: message.Body ?? '', reason: message.MessageAttributes?.reason?.StringValue ?? '' }));
        } finally {
          client.destroy();
        }
      },
      async stopBackend() {
        stopped = true;
        await server.stop();
      },
      async close() {
        await driver.close();
        if (!stopped) await server.stop();
      },
    };
  },
};

/** Receives until `count` deliveries arrived or `timeoutMs` passed; never waits on a backend longer than a long poll. */
async function collect(driver: QueueDriver, count: number, timeoutMs = 30_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  const received: Delivery[] = [];
  while (received.length < count && Date.now() < deadline) {
    const waitSeconds = Math.max(1, Math.min(5, Math.ceil((deadline - Date.now()) / 1000)));
    received.push(...(await driver.receive(count - received.length, { waitSeconds })));
  }
  return received;
}

/** Receives for `seconds` and returns everything that arrived (for "nothing is delivered" checks). */
async function drainFor(driver: QueueDriver, seconds: number): Promise<Delivery[]> {
  const deadline = Date.now() + seconds * 1000;
  const received: Delivery[] = [];
  while (Date.now() < deadline) {
    const waitSeconds = Math.max(1, Math.ceil((deadline - Date.now()) / 1000));
    received.push(...(await driver.receive(10, { waitSeconds })));
  }
  return received;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const backend of [bullmq, sqs]) {
  const name = backend.name;
  const withQueue = async (visibilitySeconds: number, body: (harness: Harness) => Promise<void>) => {
    const harness = await backend.start({ visibilitySeconds });
    try {
      await body(harness);
    } finally {
      await harness.close();
    }
  };

  test(`${name}: a sent body arrives byte for byte, once, and an acked message is never delivered again`, async (t) => {
    await withQueue(30, async ({ driver }) => {
      const body = encodeRunMessage({
        v: 1,
        runId: randomUUID(),
        tenant: 'acme',
        agent: 'simulate',
        // Basic multilingual plane only: fauxqs 1.9.2 refuses astral characters (emoji) that real SQS accepts.
        input: { text: 'quotes " and \\ backslashes, newline\n, tab\t, unicode é 中文 ✓, escapes \\u0000' },
        timeoutSeconds: 60,
        maxAttempts: 3,
        attempt: 1,
      });
      const sentAfter = Date.now();
      await driver.send(body);
      const [delivery, ...others] = await collect(driver, 1);
      t.is(others.length, 0);
      t.is(delivery?.body, body);
      t.is(delivery?.receiveCount, 1);
      t.true((delivery?.sentAt ?? 0) >= sentAfter - 1_000, 'sentAt is when the message was sent');
      t.true((delivery?.receivedAt ?? 0) >= sentAfter && (delivery?.receivedAt ?? Infinity) <= Date.now(), 'receivedAt is when this receive took it');
      await driver.ack(delivery!);
      t.deepEqual(await drainFor(driver, 2), []);
      const depth = await driver.depth();
      t.is(depth.visible + depth.inFlight + depth.delayed, 0);
    });
  });

  test(`${name}: sendBatch of 25 bodies delivers each of them exactly once`, async (t) => {
    await withQueue(30, async ({ driver }) => {
      const bodies = Array.from({ length: 25 }, (_, index) => `batch body ${index} ${randomUUID()}`);
      await driver.sendBatch(bodies);
      const received = await collect(driver, 25);
      await Promise.all(received.map((delivery) => driver.ack(delivery)));
      const extra = await drainFor(driver, 2);
      t.deepEqual([...received, ...extra].map((delivery) => delivery.body).sort(), [...bodies].sort());
      t.is(new Set(received.map((delivery) => delivery.id)).size, 25);
    });
  });

  test(`${name}: receive never returns more than max`, async (t) => {
    await withQueue(30, async ({ driver }) => {
      await driver.sendBatch(Array.from({ length: 12 }, (_, index) => `max ${index}`));
      await waitUntil(async () => (await driver.depth()).visible === 12, 'all 12 messages to be visible');
      const sizes: number[] = [];
      let total = 0;
      for (const max of [1, 2, 3, 1, 2, 3, 1, 2, 3, 5, 5, 5]) {
        const batch = await driver.receive(max, { waitSeconds: 1 });
        t.true(batch.length <= max, `receive(${max}) returned ${batch.length}`);
        sizes.push(batch.length);
        total += batch.length;
      }
      t.is(total, 12, `every message was received once (batch sizes ${sizes.join(',')})`);
    });
  });

  test(`${name}: an unacked message comes back after its visibility lapses, with receiveCount 2`, async (t) => {
    await withQueue(2, async ({ driver }) => {
      await driver.send('comes back');
      const [first] = await collect(driver, 1);
      t.is(first?.receiveCount, 1);
      const [again] = await collect(driver, 1);
      t.is(again?.id, first?.id);
      t.is(again?.body, 'comes back');
      t.is(again?.receiveCount, 2);
    });
  });

  test(`${name}: extendVisibilityMany keeps every message of a batch hidden past its original timeout`, async (t) => {
    await withQueue(4, async ({ driver }) => {
      // More than one SQS batch, on both SQS queues (normal and high priority).
      const bodies = Array.from({ length: 13 }, (_, index) => `batch-kept ${index}`);
      await driver.sendBatch(bodies, bodies.map((_, index) => ({ priority: index % 3 === 0 ? 50 : 0 })));
      const received = await collect(driver, bodies.length);
      t.is(received.length, bodies.length);
      t.deepEqual(await driver.extendVisibilityMany(received, 30), []);
      t.deepEqual(await drainFor(driver, 8), [], 'none delivered again for twice the original visibility');
      await Promise.all(received.map((delivery) => driver.ack(delivery)));
      t.deepEqual(await drainFor(driver, 1), []);
    });
  });

  test(`${name}: extendVisibilityMany reports the deliveries it no longer holds and extends the rest`, async (t) => {
    await withQueue(2, async ({ driver }) => {
      await driver.send('lapses');
      const [stale] = await collect(driver, 1);
      const [current] = await collect(driver, 1);
      t.is(current?.id, stale?.id, 'the same message, received again after its visibility lapsed');
      await driver.send('settled');
      const [settled] = await collect(driver, 1);
      await driver.ack(settled!);
      await driver.send('held');
      const [held] = await collect(driver, 1);
      const failures = await driver.extendVisibilityMany([stale!, held!, settled!], 30);
      t.deepEqual(
        failures.map(({ delivery, error }) => [delivery.body, error.name]).sort(),
        [
          ['lapses', 'DeliveryNotHeldError'],
          ['settled', 'DeliveryNotHeldError'],
        ],
      );
      const later = await drainFor(driver, 5);
      t.false(
        later.some((delivery) => delivery.body === 'held'),
        'the held delivery was extended although others in its batch failed',
      );
      await driver.ack(held!);
    });
  });

  test(`${name}: extending or acking a delivery that lapsed and went to another receiver fails with DeliveryNotHeldError`, async (t) => {
    await withQueue(2, async ({ driver }) => {
      await driver.send('lapses');
      const [stale] = await collect(driver, 1);
      const [current] = await collect(driver, 1);
      t.is(current?.id, stale?.id);
      const [failure, ...others] = await driver.extendVisibilityMany([stale!], 10);
      t.is(others.length, 0);
      t.true(failure?.error instanceof DeliveryNotHeldError);
      await t.throwsAsync(driver.ack(stale!), { instanceOf: DeliveryNotHeldError });
      await driver.ack(current!);
    });
  });

  test(`${name}: a delivery cannot be settled twice`, async (t) => {
    await withQueue(30, async ({ driver }) => {
      await driver.send('settled once');
      const [delivery] = await collect(driver, 1);
      await driver.ack(delivery!);
      const error = await t.throwsAsync(driver.release(delivery!, { delaySeconds: 0 }), { instanceOf: DeliveryNotHeldError });
      t.is(error?.deliveryId, delivery!.id);
      await t.throwsAsync(driver.deadLetter(delivery!, 'late'), { instanceOf: DeliveryNotHeldError });
    });
  });

  test(`${name}: release with delay 0 makes the message visible again at once`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      await driver.send('released');
      const [delivery] = await collect(driver, 1);
      await driver.release(delivery!, { delaySeconds: 0 });
      const depth = await driver.depth();
      t.is(depth.visible, 1);
      t.is(depth.inFlight, 0);
      const [again] = await collect(driver, 1);
      t.is(again?.id, delivery?.id);
      t.is(again?.body, 'released');
      t.is(again?.receiveCount, 2, 'a release without a new body is the same message received again');
    });
  });

  test(`${name}: release with a delay hides the message until the delay has passed`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      await driver.send('later');
      const [delivery] = await collect(driver, 1);
      const releasedAt = Date.now();
      await driver.release(delivery!, { delaySeconds: 3 });
      const [again] = await collect(driver, 1);
      const receivedAt = Date.now();
      t.is(again?.body, 'later');
      t.true(receivedAt - releasedAt >= 2_900, `delivered ${receivedAt - releasedAt} ms after a 3 s delay`);
    });
  });

  test(`${name}: release with a new body delivers the new body and the old one is gone`, async (t) => {
    await withQueue(2, async ({ driver }) => {
      await driver.send('attempt 1');
      const [delivery] = await collect(driver, 1);
      await driver.release(delivery!, { delaySeconds: 1, body: 'attempt 2' });
      const [replacement] = await collect(driver, 1);
      t.is(replacement?.body, 'attempt 2');
      t.is(replacement?.receiveCount, 1, 'the replacement counts as a new message');
      await driver.ack(replacement!);
      t.deepEqual(await drainFor(driver, 4), [], 'nothing else arrives, even after the old visibility lapsed');
    });
  });

  test(`${name}: a dead-lettered message is never delivered again, is counted, and keeps its body and reason`, async (t) => {
    await withQueue(2, async (harness) => {
      const { driver } = harness;
      await driver.send('{"poison": true');
      const [delivery] = await collect(driver, 1);
      await driver.deadLetter(delivery!, 'body is not JSON');
      t.deepEqual(await drainFor(driver, 4), [], 'not delivered again, even after its visibility lapsed');
      const depth = await driver.depth();
      t.is(depth.deadLettered, 1);
      t.is(depth.visible + depth.inFlight + depth.delayed, 0);
      t.deepEqual(await harness.deadLetters(), [{ body: '{"poison": true', reason: 'body is not JSON' }]);
    });
  });

  test(`${name}: a message whose receivers keep crashing is dead-lettered after maxReceiveCount receives`, async (t) => {
    const { driver, close } = await backend.start({ visibilitySeconds: 1, maxReceiveCount: 2 });
    try {
      await driver.send('crashes its receivers');
      const first = await collect(driver, 1);
      const second = await collect(driver, 1);
      t.deepEqual(
        [...first, ...second].map((delivery) => delivery.receiveCount),
        [1, 2],
      );
      t.deepEqual(await collect(driver, 1, 5_000), [], 'never delivered a third time');
      t.is((await driver.depth()).deadLettered, 1);
    } finally {
      await close();
    }
  });

  test(`${name}: depth counts visible, in-flight and delayed messages`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      await driver.sendBatch(['one', 'two', 'three']);
      await driver.send('delayed', { delaySeconds: 120 });
      const received = await collect(driver, 1);
      t.is(received.length, 1);
      t.deepEqual(await driver.depth(), { visible: 2, inFlight: 1, delayed: 1, deadLettered: 0 });
    });
  });

  test(`${name}: a message sent with a delay is not delivered before it`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      const sentAt = Date.now();
      await driver.send('delayed send', { delaySeconds: 2 });
      const [delivery] = await collect(driver, 1);
      t.is(delivery?.body, 'delayed send');
      t.true(Date.now() - sentAt >= 1_900, `delivered ${Date.now() - sentAt} ms after a 2 s delay`);
    });
  });

  test(`${name}: a message sent later with a higher priority is received first, and keeps its place when released with a new body`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      await driver.send('low 1');
      await driver.send('low 2', { priority: 0 });
      await driver.send('high', { priority: 10 });
      const [first] = await collect(driver, 1);
      t.is(first?.body, 'high');
      await driver.release(first!, { delaySeconds: 0, body: 'high again' });
      const [second] = await collect(driver, 1);
      t.is(second?.body, 'high again');
      await driver.ack(second!);
      const rest = await collect(driver, 2);
      t.deepEqual(rest.map((delivery) => delivery.body).sort(), ['low 1', 'low 2']);
    });
  });

  test(`${name}: sendBatch applies each message's own delay and priority`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      await driver.sendBatch(['later', 'plain', 'urgent'], [{ delaySeconds: 120 }, {}, { priority: 100 }]);
      const [first] = await collect(driver, 1);
      t.is(first?.body, 'urgent');
      const [second] = await collect(driver, 1);
      t.is(second?.body, 'plain');
      t.like(await driver.depth(), { visible: 0, inFlight: 2, delayed: 1 });
    });
  });

  test(`${name}: a priority outside 0-100 is refused, naming it`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      for (const priority of [-1, 101, 1.5]) {
        t.is((await t.throwsAsync(driver.send('x', { priority }), { instanceOf: QueueArgumentError }))?.field, 'priority');
      }
      t.is((await t.throwsAsync(driver.sendBatch(['x'], [{ priority: 101 }]), { instanceOf: QueueArgumentError }))?.field, 'priority');
    });
  });

  test(`${name}: a long poll returns as soon as a message arrives`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      const started = Date.now();
      const polling = driver.receive(1, { waitSeconds: 20 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await driver.send('wake up');
      const received = await polling;
      t.deepEqual(
        received.map((delivery) => delivery.body),
        ['wake up'],
      );
      t.true(Date.now() - started < 15_000, 'returned before its 20 s wait was over');
    });
  });

  test(`${name}: an aborted long poll returns at once with nothing, and loses no message sent after it`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      const controller = new AbortController();
      const started = Date.now();
      const polling = driver.receive(1, { waitSeconds: 20, signal: controller.signal });
      setTimeout(() => controller.abort(), 300);
      t.deepEqual(await polling, []);
      t.true(Date.now() - started < 15_000, 'returned before its 20 s wait was over');
      await driver.send('after abort');
      const [delivery] = await collect(driver, 1);
      t.is(delivery?.body, 'after abort');
    });
  });

  test(`${name}: a body of exactly 256 KiB arrives whole; one byte more is refused with MessageTooLargeError`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      const largest = 'é'.repeat(MAX_BODY_BYTES / 2);
      await driver.send(largest);
      const [delivery] = await collect(driver, 1);
      t.is(delivery?.body, largest);
      const tooLarge = await t.throwsAsync(driver.send(`${largest}x`), { instanceOf: MessageTooLargeError });
      t.is(tooLarge?.limitBytes, MAX_BODY_BYTES);
      t.regex(tooLarge?.message ?? '', /256 KiB/);
      const inBatch = await t.throwsAsync(driver.sendBatch(['a', 'b', `${largest}x`]), { instanceOf: MessageTooLargeError });
      t.is(inBatch?.index, 2);
      t.deepEqual(await drainFor(driver, 1), [], 'a batch with a body too large sends nothing');
    });
  });

  test(`${name}: out-of-range arguments are refused with QueueArgumentError naming the argument`, async (t) => {
    await withQueue(60, async ({ driver }) => {
      t.is((await t.throwsAsync(driver.receive(0, { waitSeconds: 1 }), { instanceOf: QueueArgumentError }))?.field, 'max');
      t.is((await t.throwsAsync(driver.send('x', { delaySeconds: 901 }), { instanceOf: QueueArgumentError }))?.field, 'delaySeconds');
      await driver.send('held');
      const [delivery] = await collect(driver, 1);
      t.is((await t.throwsAsync(driver.release(delivery!, { delaySeconds: -1 }), { instanceOf: QueueArgumentError }))?.field, 'delaySeconds');
      t.is((await t.throwsAsync(driver.extendVisibilityMany([delivery!], 0), { instanceOf: QueueArgumentError }))?.field, 'seconds');
      await driver.ack(delivery!);
    });
  });

  test(`${name}: ping and send fail with QueueUnavailableError while the backend is down`, async (t) => {
    const harness = await backend.start({ visibilitySeconds: 30, privateServer: true });
    try {
      await t.notThrowsAsync(harness.driver.ping());
      await harness.stopBackend();
      await t.throwsAsync(harness.driver.ping(), { instanceOf: QueueUnavailableError });
      await t.throwsAsync(harness.driver.send('nobody listens'), { instanceOf: QueueUnavailableError });
    } finally {
      await harness.close();
    }
  });
}
