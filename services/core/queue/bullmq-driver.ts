import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Queue, UnrecoverableError, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { createRedis, isRedisUnavailable, waitUntilReady } from '../redis.js';
import { untilAborted } from './abandon-on-abort.js';
import { MarkerWait } from './bullmq-marker-wait.js';
import { PendingWork } from './pending-work.js';
import type { Delivery, QueueDepth, QueueDriver, ReceiveOptions, ReleaseOptions, SendOptions } from './contract.js';
import { DeliveryHandles } from './delivery-handles.js';
import { DeliveryNotHeldError, QueueUnavailableError } from './errors.js';
import { assertBodySize, assertDelaySeconds, assertReceiveArguments, assertVisibilitySeconds } from './limits.js';

/**
 * The queue on Redis with BullMQ, for development and self-hosted installs. BullMQ's Worker is used
 * in manual mode: this driver moves jobs to active itself (so `receive` never takes more than asked),
 * a receiver's visibility is the job lock, and BullMQ's stalled-job checker hands back the jobs of a
 * receiver that vanished. The failed set is the dead-letter queue: it keeps the body and the reason.
 *
 * Job ids are BullMQ's own counter, not derived from the run: a release with a new body reuses the
 * job, and a send of the same run after its job was removed must not be swallowed. Duplicate
 * deliveries are the run store's to drop, as with SQS.
 */

export interface BullmqDriverOptions {
  redisUrl: string;
  queueName: string;
  /** How long a received message stays hidden from other receivers unless extended (the job lock). */
  visibilitySeconds: number;
  /**
   * Receives that end with the receiver gone (no ack, release or dead-letter) before the message is
   * dead-lettered, like an SQS redrive policy's maxReceiveCount. @defaultValue 5
   */
  maxReceiveCount?: number;
  /**
   * How often lapsed locks are looked for: a vanished receiver's message is visible again within
   * `visibilitySeconds` + 2 × this. @defaultValue half the visibility, at most 30
   */
  stalledCheckSeconds?: number;
  /** How long dead-lettered messages are kept. @defaultValue 14 days, SQS's longest retention */
  deadLetterRetentionSeconds?: number;
  logger: Logger;
}

interface JobData {
  body: string;
}

interface HeldJob {
  id: string;
  job: Job<JobData>;
  token: string;
}

/** The receiving half, made on the first receive: an API process that only sends never opens it. */
interface Consumer {
  redis: Redis;
  worker: Worker<JobData>;
  markers: MarkerWait;
}

const JOB_NAME = 'run';
/** Re-check at least this often while idle, so a marker taken by another process costs little (BullMQ's own cap). */
const MAX_BLOCK_MS = 10_000;
/** Moves to active issued together once a receive has found work; bounds wasted calls on a nearly empty queue. */
const FETCH_WAVE = 32;
const INSERT_CHUNK = 500;
const INSERT_LANES = 2;
const FIRST_CONNECT_WAIT_MS = 3_000;
/** How long `close` waits for hand-backs of aborted receives. */
const CLOSE_WAIT_MS = 10_000;
const MAX_REASON_CHARS = 1024;
const NOT_HELD_REPLY = /^(Missing lock for job|Lock mismatch for job|Missing key for job|Job \S+ is not in the active state)/;

export class BullmqDriver implements QueueDriver {
  readonly name = 'bullmq' as const;
  private readonly producer: Redis;
  private readonly queue: Queue;
  private consumer: Consumer | undefined;
  private readonly pending = new PendingWork();
  private closed = false;
  private readonly handles = new DeliveryHandles<HeldJob>();
  /** Until the first connection, producer calls wait for it rather than fail (a process just started). */
  private producerConnected = false;
  private readonly tokenPrefix = randomUUID();
  private tokenCount = 0;
  private readonly logger: Logger;

  constructor(private readonly options: BullmqDriverOptions) {
    assertVisibilitySeconds('visibilitySeconds', options.visibilitySeconds);
    this.logger = options.logger.child({ queue: options.queueName, driver: 'bullmq' });
    this.producer = createRedis(options.redisUrl, { name: 'queue-producer', failFast: true, autoPipelining: true, logger: options.logger });
    this.producer.once('ready', () => (this.producerConnected = true));
    this.queue = new Queue(options.queueName, {
      connection: asBullmqConnection(this.producer),
      skipVersionCheck: true,
      defaultJobOptions: {
        attempts: 1,
        removeOnComplete: true,
        removeOnFail: { age: options.deadLetterRetentionSeconds ?? 14 * 24 * 3600 },
      },
    });
    this.queue.on('error', (error) => this.logError(error));
  }

  async send(body: string, options: SendOptions = {}): Promise<void> {
    assertBodySize(body);
    const delaySeconds = options.delaySeconds ?? 0;
    assertDelaySeconds('delaySeconds', delaySeconds);
    const jobOptions = delaySeconds > 0 ? { delay: Math.round(delaySeconds * 1000) } : undefined;
    await this.produce(() => this.queue.add(JOB_NAME, { body }, jobOptions));
  }

  /**
   * One MULTI of `addBulk` per chunk of 500, two chunks in flight: larger transactions would hold
   * Redis (and the producer's command timeout) up. Not atomic across chunks.
   */
  async sendBatch(bodies: readonly string[]): Promise<void> {
    bodies.forEach((body, index) => assertBodySize(body, index));
    const chunks: string[][] = [];
    for (let start = 0; start < bodies.length; start += INSERT_CHUNK) chunks.push(bodies.slice(start, start + INSERT_CHUNK));
    let next = 0;
    const lane = async () => {
      for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
        const jobs = chunk.map((body) => ({ name: JOB_NAME, data: { body } }));
        await this.produce(() => this.queue.addBulk(jobs));
      }
    };
    await Promise.all(Array.from({ length: Math.min(INSERT_LANES, chunks.length) }, lane));
  }

  async receive(max: number, { waitSeconds, signal }: ReceiveOptions): Promise<Delivery[]> {
    assertReceiveArguments(max, waitSeconds);
    const consumer = this.consumerSide();
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      if (signal?.aborted || this.closed) return [];
      const fetching = this.pending.track(this.fetch(consumer, max).catch((error: unknown) => Promise.reject(this.translate(error))));
      const fetched = await untilAborted(fetching, signal, (late) => this.handBack(late.deliveries));
      if (!fetched) return [];
      if (fetched.deliveries.length > 0) return fetched.deliveries;
      if (fetched.deadLettered > 0) continue;
      const now = Date.now();
      if (now >= deadline) return [];
      const wakeAt = Math.min(deadline, fetched.nextDueAt ?? Infinity, now + MAX_BLOCK_MS);
      const waited = await consumer.markers.wait(wakeAt - now, signal);
      if (!waited) await sleep(Math.min(1_000, Math.max(deadline - Date.now(), 0)), undefined, { signal }).catch(() => {});
    }
  }

  async ack(delivery: Delivery): Promise<void> {
    const { job, token } = this.handles.get(delivery);
    await this.settle(delivery, () => job.moveToCompleted(null, token, false));
  }

  async release(delivery: Delivery, { delaySeconds, body }: ReleaseOptions): Promise<void> {
    assertDelaySeconds('delaySeconds', delaySeconds);
    if (body !== undefined) assertBodySize(body);
    const { id, job, token } = this.handles.get(delivery);
    if (body === undefined && delaySeconds === 0) {
      await this.settle(delivery, () => job.moveToWait(token));
      return;
    }
    const worker = this.consumerSide().worker;
    const now = Date.now();
    // A new body makes a new message: the receive and crash counters start again, as with an SQS send.
    const fieldsToUpdate = body === undefined ? undefined : { data: JSON.stringify({ body }), ats: 0, stc: 0, timestamp: now };
    await this.settle(delivery, () =>
      worker.scripts.moveToDelayed(id, now, Math.round(delaySeconds * 1000), token, { skipAttempt: true, fieldsToUpdate }),
    );
  }

  async extendVisibility(delivery: Delivery, seconds: number): Promise<void> {
    assertVisibilitySeconds('seconds', seconds);
    const { job, token } = this.handles.get(delivery);
    let extended: number;
    try {
      extended = await job.extendLock(token, Math.round(seconds * 1000));
    } catch (error) {
      throw this.translate(error, delivery);
    }
    if (extended !== 1) {
      this.handles.forget(delivery);
      throw new DeliveryNotHeldError(delivery.id, `delivery ${delivery.id}: its visibility lapsed before it was extended`);
    }
  }

  async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const { job, token } = this.handles.get(delivery);
    await this.settle(delivery, () => moveToDeadLetter(job, token, reason));
  }

  async depth(): Promise<QueueDepth> {
    const counts = await this.produce(() => this.queue.getJobCounts('wait', 'prioritized', 'paused', 'active', 'delayed', 'failed'));
    return {
      visible: (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.paused ?? 0),
      inFlight: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      deadLettered: counts.failed ?? 0,
    };
  }

  async ping(): Promise<void> {
    await this.produce(() => this.producer.ping());
  }

  /** Lets hand-backs of aborted receives finish, then closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pending.settled(CLOSE_WAIT_MS);
    const consumer = this.consumer;
    this.consumer = undefined;
    consumer?.markers.close();
    await Promise.allSettled([this.queue.close(), consumer?.worker.close(true)]);
    await Promise.allSettled([quit(this.producer), consumer && quit(consumer.redis)]);
  }

  private consumerSide(): Consumer {
    if (this.consumer) return this.consumer;
    const { options } = this;
    const redis = createRedis(options.redisUrl, { name: 'queue-consumer', failFast: false, logger: options.logger });
    const stalledCheckSeconds = options.stalledCheckSeconds ?? Math.min(30, options.visibilitySeconds / 2);
    const worker = new Worker<JobData>(options.queueName, null, {
      connection: asBullmqConnection(redis),
      autorun: false,
      skipVersionCheck: true,
      skipLockRenewal: true,
      lockDuration: Math.round(options.visibilitySeconds * 1000),
      stalledInterval: Math.max(Math.round(stalledCheckSeconds * 1000), 100),
      maxStalledCount: (options.maxReceiveCount ?? 5) - 1,
    });
    worker.on('error', (error) => this.logError(error));
    worker.startStalledCheckTimer().catch((error: unknown) => this.logError(error));
    const markers = new MarkerWait(worker.toKey('marker'), () => {
      const connection = redis.duplicate({ connectionName: 'agentfleet-queue-wait' });
      connection.on('error', () => {});
      return connection;
    });
    this.consumer = { redis, worker, markers };
    return this.consumer;
  }

  /** Takes up to `max` jobs: one call first, then waves of calls while the queue keeps giving. */
  private async fetch(consumer: Consumer, max: number): Promise<{ deliveries: Delivery[]; deadLettered: number; nextDueAt?: number }> {
    const first = await this.moveToActive(consumer);
    if (!first.held) return { deliveries: [], deadLettered: 0, nextDueAt: first.nextDueAt };
    const taken = [first.held];
    while (taken.length < max) {
      const wave = await Promise.all(Array.from({ length: Math.min(max - taken.length, FETCH_WAVE) }, () => this.moveToActive(consumer)));
      const held = wave.flatMap((result) => (result.held ? [result.held] : []));
      taken.push(...held);
      if (held.length < wave.length) break;
    }
    const deliveries: Delivery[] = [];
    let deadLettered = 0;
    for (const { id, job, token } of taken) {
      const problem = job.deferredFailure
        ? `receivers vanished without settling it ${job.stalledCounter} times (${job.deferredFailure})`
        : typeof job.data?.body !== 'string'
          ? 'job data has no string body (not sent by an agentfleet queue driver)'
          : undefined;
      if (problem) {
        await moveToDeadLetter(job, token, problem);
        deadLettered += 1;
        continue;
      }
      const fields = { id, body: job.data.body, receiveCount: job.attemptsStarted, sentAt: job.timestamp };
      deliveries.push(this.handles.issue(fields, { id, job, token }));
    }
    return { deliveries, deadLettered };
  }

  private async moveToActive(consumer: Consumer): Promise<{ held?: HeldJob; nextDueAt?: number }> {
    const token = `${this.tokenPrefix}:${++this.tokenCount}`;
    const client = await consumer.worker.client;
    const [raw, id, , dueAt] = (await consumer.worker.scripts.moveToActive(client, token)) as [unknown, string, number, number];
    if (!raw) return { nextDueAt: dueAt > 0 ? dueAt : undefined };
    return { held: { id, job: Job.fromJSON<JobData>(consumer.worker, raw as Parameters<typeof Job.fromJSON>[1], id), token } };
  }

  /** Deliveries fetched for a receive that was aborted meanwhile go straight back to the queue. */
  private handBack(deliveries: Delivery[]): void {
    for (const delivery of deliveries) {
      this.pending.track(this.release(delivery, { delaySeconds: 0 })).catch((error: unknown) =>
        this.logger.warn({ err: error, deliveryId: delivery.id }, 'could not hand back a message received after abort; it returns after its visibility lapses'),
      );
    }
  }

  private async settle(delivery: Delivery, operation: () => Promise<unknown>): Promise<void> {
    try {
      await operation();
    } catch (error) {
      const translated = this.translate(error, delivery);
      if (translated instanceof DeliveryNotHeldError) this.handles.forget(delivery);
      throw translated;
    }
    this.handles.forget(delivery);
  }

  /** Producer calls fail at once while Redis is unreachable, so the API can answer 503 instead of hanging. */
  private async produce<T>(operation: () => Promise<T>): Promise<T> {
    const ready =
      this.producer.status === 'ready' || (!this.producerConnected && (await waitUntilReady(this.producer, FIRST_CONNECT_WAIT_MS)));
    if (!ready) throw new QueueUnavailableError(`redis unavailable (connection ${this.producer.status})`);
    try {
      return await operation();
    } catch (error) {
      throw this.translate(error);
    }
  }

  private translate(error: unknown, delivery?: Delivery): unknown {
    if (isRedisUnavailable(error)) {
      return new QueueUnavailableError(`redis unavailable: ${(error as Error).message}`, { cause: error });
    }
    if (delivery && error instanceof Error && NOT_HELD_REPLY.test(error.message)) {
      return new DeliveryNotHeldError(delivery.id, `delivery ${delivery.id} is no longer held: ${error.message}`, { cause: error });
    }
    return error;
  }

  private logError(error: unknown): void {
    // Outages are logged once by the connection itself; anything else is worth a line each time.
    if (isRedisUnavailable(error)) return;
    this.logger.error({ err: error }, 'bullmq error');
  }
}

function moveToDeadLetter(job: Job<JobData>, token: string, reason: string): Promise<unknown> {
  const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
  // Unrecoverable, so BullMQ never retries it whatever the job's attempts say.
  return job.moveToFailed(new UnrecoverableError(text), token, false);
}

/** BullMQ bundles its own ioredis release; the client API it relies on is the same, only the types differ. */
function asBullmqConnection(redis: Redis): ConnectionOptions {
  return redis as unknown as ConnectionOptions;
}

async function quit(redis: Redis): Promise<void> {
  const timeout = sleep(1_000, 'timeout' as const, { ref: false });
  const quitted = redis.quit().then(
    () => 'quit' as const,
    () => 'failed' as const,
  );
  if ((await Promise.race([quitted, timeout])) !== 'quit') redis.disconnect();
}
