import { randomUUID } from 'node:crypto';
import test from 'ava';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '../../services/core/logger.js';
import { BullmqDriver, type BullmqDriverOptions } from '../../services/core/queue/bullmq-driver.js';
import type { Delivery, QueueDriver } from '../../services/core/queue/contract.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/** BullMQ-only behaviour on a real redis-server: crashed receivers, concurrent waits, restarts (crash redrive: queue-contract.test.ts). */

const logger = createLogger('queue-test', 'silent');

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

function driverOn(url: string, overrides: Partial<BullmqDriverOptions> = {}): BullmqDriver {
  return new BullmqDriver({ redisUrl: url, queueName: `bullmq-${randomUUID()}`, visibilitySeconds: 30, stalledCheckSeconds: 0.5, logger, ...overrides });
}

async function collect(driver: QueueDriver, count: number, timeoutMs = 30_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  const received: Delivery[] = [];
  while (received.length < count && Date.now() < deadline) {
    received.push(...(await driver.receive(count - received.length, { waitSeconds: 2 })));
  }
  return received;
}

/** Retries `attempt` until it resolves. */
async function eventually(attempt: () => Promise<unknown>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await attempt().then(() => true, () => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a receiver that dies without settling hands its message to another receiver once the visibility lapses', async (t) => {
  const queueName = `bullmq-${randomUUID()}`;
  const crashing = driverOn(redis.url, { queueName, visibilitySeconds: 2 });
  const survivor = driverOn(redis.url, { queueName, visibilitySeconds: 2 });
  try {
    await crashing.send('outlives its receiver');
    const [taken] = await collect(crashing, 1);
    await crashing.close();
    const [delivery] = await collect(survivor, 1);
    t.is(delivery?.id, taken?.id);
    t.is(delivery?.body, 'outlives its receiver');
    t.is(delivery?.receiveCount, 2);
  } finally {
    await survivor.close();
  }
});

test('concurrent receives on one driver each wake up with a different message', async (t) => {
  const driver = driverOn(redis.url);
  try {
    const polls = [1, 2, 3].map(() => driver.receive(1, { waitSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await driver.sendBatch(['a', 'b', 'c']);
    const received = (await Promise.all(polls)).flat();
    t.deepEqual(received.map((delivery) => delivery.body).sort(), ['a', 'b', 'c']);
  } finally {
    await driver.close();
  }
});

test('a receive keeps working across a Redis restart', async (t) => {
  const privateRedis = await startRedis();
  const driver = driverOn(privateRedis.url);
  try {
    const waiting = driver.receive(1, { waitSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await privateRedis.restart();
    await eventually(() => driver.ping(), 'the driver to reconnect');
    await driver.send('after the restart');
    const early = await waiting;
    const received = early.length > 0 ? early : await collect(driver, 1, 20_000);
    t.deepEqual(
      received.map((delivery) => delivery.body),
      ['after the restart'],
    );
  } finally {
    await driver.close();
    await privateRedis.stop();
  }
});

test('completed messages leave nothing behind in Redis; dead-lettered ones keep body and reason', async (t) => {
  const queueName = `bullmq-${randomUUID()}`;
  const driver = driverOn(redis.url, { queueName });
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const inspector = new Queue(queueName, { connection: connection as never });
  try {
    await driver.sendBatch(['done 1', 'done 2', 'poison']);
    for (const delivery of await collect(driver, 3)) {
      if (delivery.body === 'poison') await driver.deadLetter(delivery, 'unknown message version');
      else await driver.ack(delivery);
    }
    const counts = await inspector.getJobCounts('completed', 'failed', 'active', 'wait');
    t.deepEqual(counts, { completed: 0, failed: 1, active: 0, wait: 0 });
    const [failed] = await inspector.getFailed();
    t.is((failed?.data as { body: string }).body, 'poison');
    t.is(failed?.failedReason, 'unknown message version');
  } finally {
    await inspector.close();
    connection.disconnect();
    await driver.close();
  }
});

test('an idle long poll blocks instead of polling: five seconds on an empty queue cost only a few Redis calls', async (t) => {
  const privateRedis = await startRedis();
  const driver = driverOn(privateRedis.url, { stalledCheckSeconds: 30 });
  const observer = new Redis(privateRedis.url);
  try {
    await driver.receive(1, { waitSeconds: 0 });
    await observer.config('RESETSTAT');
    t.deepEqual(await driver.receive(1, { waitSeconds: 5 }), []);
    const stats = await observer.info('commandstats');
    const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    t.true(calls('bzpopmin') >= 1, 'it waited on the marker');
    t.true(calls('bzpopmin') + calls('evalsha') <= 6, `bzpopmin ${calls('bzpopmin')}, evalsha ${calls('evalsha')}`);
  } finally {
    observer.disconnect();
    await driver.close();
    await privateRedis.stop();
  }
});

test('an aborted receive returns even while Redis is down, and close does not hang', async (t) => {
  const privateRedis = await startRedis();
  const driver = driverOn(privateRedis.url);
  try {
    await driver.receive(1, { waitSeconds: 0 });
    await privateRedis.stop();
    const controller = new AbortController();
    const receiving = driver.receive(1, { waitSeconds: 20, signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    t.deepEqual(await receiving, []);
  } finally {
    await driver.close();
  }
});
