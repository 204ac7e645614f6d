import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { createRedis, isRedisUnavailable, waitUntilReady } from '../redis.js';
import { asBullmqConnection, type HeldJob, JOB_NAME, moveToDeadLetter, quit } from './bullmq-jobs.js';
import { BullmqReceiver } from './bullmq-receiver.js';
import type { Delivery, ExtendFailure, QueueDepth, QueueDriver, ReceiveOptions, ReleaseOptions, SendOptions } from './contract.js';
import { DeliveryHandles } from './delivery-handles.js';
import { DeliveryNotHeldError, QueueUnavailableError } from './errors.js';
import { assertBodySize, assertDelaySeconds, assertPriority, assertReceiveArguments, assertVisibilitySeconds, MAX_PRIORITY } from './limits.js';

/**
 * The queue on Redis with BullMQ, for development and self-hosted installs. Sending goes through a
 * fail-fast connection (the API answers 503 at once while Redis is away); receiving is
 * bullmq-receiver.ts. A receiver's visibility is the job lock; a release with a new body rewrites the
 * job in the same script that delays it. The failed set is the dead-letter queue: it keeps the body
 * and the reason.
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
   * How often lapsed locks are looked for. BullMQ's checker marks every active job on one pass and
   * moves back those still marked, lock gone, on the next (an extension unmarks a job), so a vanished
   * receiver's message is visible again within `visibilitySeconds` + this (+ a pass's run time) of its
   * last extension. @defaultValue a third of the visibility, at most 30
   */
  stalledCheckSeconds?: number;
  /** How long dead-lettered messages are kept. @defaultValue 14 days, SQS's longest retention */
  deadLetterRetentionSeconds?: number;
  logger: Logger;
}

const INSERT_CHUNK = 500;
/** Locks extended per script call: one call for thousands of runs, without holding Redis up for long. */
const EXTEND_CHUNK = 1_000;
const INSERT_LANES = 2;
const FIRST_CONNECT_WAIT_MS = 3_000;
const NOT_HELD_REPLY = /^(Missing lock for job|Lock mismatch for job|Missing key for job|Job \S+ is not in the active state)/;

export class BullmqDriver implements QueueDriver {
  readonly name = 'bullmq' as const;
  private readonly producer: Redis;
  private readonly queue: Queue;
  private receiver: BullmqReceiver | undefined;
  private readonly handles = new DeliveryHandles<HeldJob>();
  /** Until the first connection, producer calls wait for it rather than fail (a process just started). */
  private producerConnected = false;
  private readonly logger: Logger;

  constructor(private readonly options: BullmqDriverOptions) {
    assertVisibilitySeconds('visibilitySeconds', options.visibilitySeconds);
    this.logger = options.logger.child({ queue: options.queueName, driver: 'bullmq' });
    this.producer = createRedis(options.redisUrl, { name: 'queue-producer', failFast: true, autoPipelining: true, logger: options.logger });
    this.producer.once('ready', () => (this.producerConnected = true));
    this.queue = new Queue(options.queueName, {
      connection: asBullmqConnection(this.producer),
      skipVersionCheck: true,
      // Nothing reads BullMQ's event stream; keep it short rather than BullMQ's 10,000 entries.
      streams: { events: { maxLen: 100 } },
      // No job options: every job would store them (~90 bytes each). Removal on completion and the
      // dead letters' retention are the receiver's settings; BullMQ never retries (bullmq-jobs.ts).
    });
    this.queue.on('error', (error) => this.logError(error));
  }

  async send(body: string, options: SendOptions = {}): Promise<void> {
    assertBodySize(body);
    await this.produce(() => this.queue.add(JOB_NAME, { body }, jobOptions(options)));
  }

  /**
   * One MULTI of `addBulk` per chunk of 500, two chunks in flight: larger transactions would hold
   * Redis (and the producer's command timeout) up. Not atomic across chunks.
   */
  async sendBatch(bodies: readonly string[], options: readonly SendOptions[] = []): Promise<void> {
    bodies.forEach((body, index) => assertBodySize(body, index));
    const jobs = bodies.map((body, index) => ({ name: JOB_NAME, data: { body }, opts: jobOptions(options[index] ?? {}) }));
    const chunks: (typeof jobs)[] = [];
    for (let start = 0; start < jobs.length; start += INSERT_CHUNK) chunks.push(jobs.slice(start, start + INSERT_CHUNK));
    let next = 0;
    const lane = async () => {
      for (let chunk = chunks[next++]; chunk; chunk = chunks[next++]) {
        const batch = chunk;
        await this.produce(() => this.queue.addBulk(batch));
      }
    };
    await Promise.all(Array.from({ length: Math.min(INSERT_LANES, chunks.length) }, lane));
  }

  async receive(max: number, options: ReceiveOptions): Promise<Delivery[]> {
    assertReceiveArguments(max, options.waitSeconds);
    let held: HeldJob[];
    try {
      held = await this.receiverSide().receive(max, options);
    } catch (error) {
      throw this.translate(error);
    }
    return held.map((taken) =>
      this.handles.issue({ id: taken.id, body: taken.job.data.body, receiveCount: taken.job.attemptsStarted, sentAt: taken.job.timestamp, receivedAt: taken.receivedAt }, taken),
    );
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
    const worker = this.receiverSide().worker;
    const now = Date.now();
    // A new body makes a new message: the receive and crash counters start again, as with an SQS send.
    const fieldsToUpdate = body === undefined ? undefined : { data: JSON.stringify({ body }), ats: 0, stc: 0, timestamp: now };
    await this.settle(delivery, () =>
      worker.scripts.moveToDelayed(id, now, Math.round(delaySeconds * 1000), token, { skipAttempt: true, fieldsToUpdate }),
    );
  }

  /** BullMQ's extendLocks script, one call per 1,000 deliveries, a job id at most once per call. */
  async extendVisibilityMany(deliveries: readonly Delivery[], seconds: number): Promise<ExtendFailure[]> {
    assertVisibilitySeconds('seconds', seconds);
    const failures: ExtendFailure[] = [];
    let remaining: { delivery: Delivery; held: HeldJob }[] = [];
    for (const delivery of deliveries) {
      try {
        remaining.push({ delivery, held: this.handles.get(delivery) });
      } catch (error) {
        failures.push({ delivery, error: error as Error });
      }
    }
    while (remaining.length > 0) {
      // A stale delivery and the current one of the same job cannot share a call: its answer names job ids only.
      const call = new Map<string, { delivery: Delivery; held: HeldJob }>();
      const later: typeof remaining = [];
      for (const entry of remaining) {
        if (call.size < EXTEND_CHUNK && !call.has(entry.held.id)) call.set(entry.held.id, entry);
        else later.push(entry);
      }
      remaining = later;
      failures.push(...(await this.extendLocks([...call.values()], seconds)));
    }
    return failures;
  }

  private async extendLocks(entries: { delivery: Delivery; held: HeldJob }[], seconds: number): Promise<ExtendFailure[]> {
    const ids = entries.map(({ held }) => held.id);
    const tokens = entries.map(({ held }) => held.token);
    let failedIds: string[];
    try {
      failedIds = (await this.receiverSide().worker.extendJobLocks(ids, tokens, Math.round(seconds * 1000))) as string[];
    } catch (error) {
      const translated = this.translate(error);
      const reason = translated instanceof Error ? translated : new Error(String(translated));
      return entries.map(({ delivery }) => ({ delivery, error: reason }));
    }
    const failed = new Set(failedIds.map(String));
    return entries
      .filter(({ held }) => failed.has(held.id))
      .map(({ delivery }) => {
        this.handles.forget(delivery);
        return { delivery, error: new DeliveryNotHeldError(delivery.id, `delivery ${delivery.id}: its visibility lapsed before it was extended`) };
      });
  }

  async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const held = this.handles.get(delivery);
    await this.settle(delivery, () => moveToDeadLetter(held, reason));
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

  async close(): Promise<void> {
    const receiver = this.receiver;
    this.receiver = undefined;
    await Promise.allSettled([receiver?.close(), this.queue.close()]);
    await quit(this.producer);
  }

  private receiverSide(): BullmqReceiver {
    const { options } = this;
    this.receiver ??= new BullmqReceiver({
      redisUrl: options.redisUrl,
      queueName: options.queueName,
      visibilitySeconds: options.visibilitySeconds,
      maxReceiveCount: options.maxReceiveCount ?? 5,
      deadLetterRetentionSeconds: options.deadLetterRetentionSeconds ?? 14 * 24 * 3600,
      stalledCheckSeconds: options.stalledCheckSeconds ?? Math.min(30, options.visibilitySeconds / 3),
      logger: this.logger,
      onError: (error) => this.logError(error),
    });
    return this.receiver;
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

/**
 * BullMQ takes a job without a priority (its wait list) before any prioritized job, and priority 1
 * first among those: so every job gets one, ours inverted (our 100 is BullMQ's 1, our default 0 is
 * BullMQ's 101), and jobs of one priority keep their arrival order.
 */
function jobOptions({ delaySeconds = 0, priority = 0 }: SendOptions): { delay?: number; priority: number } {
  assertDelaySeconds('delaySeconds', delaySeconds);
  assertPriority('priority', priority);
  const bullmqPriority = MAX_PRIORITY + 1 - priority;
  return delaySeconds > 0 ? { delay: Math.round(delaySeconds * 1000), priority: bullmqPriority } : { priority: bullmqPriority };
}
