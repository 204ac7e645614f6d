import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Job, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { createRedis } from '../redis.js';
import { untilAborted } from './abandon-on-abort.js';
import { asBullmqConnection, type HeldJob, type JobData, moveToDeadLetter, quit } from './bullmq-jobs.js';
import { MarkerWait } from './bullmq-marker-wait.js';
import type { ReceiveOptions } from './contract.js';
import { PendingWork } from './pending-work.js';

/**
 * The receiving half of the BullMQ driver, made on the first receive (an API process that only sends
 * never opens it). BullMQ's Worker runs in manual mode, without a processor: jobs are moved to active
 * here with BullMQ's own moveToActive script, one call per job, so a receive never takes more than
 * asked (the script, unlike getNextJob, also tells when the next delayed job is due, so an idle
 * receive sleeps exactly until then). The Worker's stalled-job checker hands back the jobs of
 * receivers that vanished, and marks those that vanished too often to be dead-lettered here.
 */

export interface BullmqReceiverOptions {
  redisUrl: string;
  queueName: string;
  visibilitySeconds: number;
  maxReceiveCount: number;
  stalledCheckSeconds: number;
  deadLetterRetentionSeconds: number;
  logger: Logger;
  onError(error: unknown): void;
}

/** Re-check at least this often while idle, so a marker taken by another process costs little (BullMQ's own cap). */
const MAX_BLOCK_MS = 10_000;
/** Moves to active issued together, so one receive for many slots does not hold Redis up for long. */
const FETCH_WAVE = 100;
/** How long `close` waits for hand-backs of aborted receives. */
const CLOSE_WAIT_MS = 10_000;

interface Fetched {
  held: HeldJob[];
  deadLettered: number;
  /** When the next delayed job is due, if one is. */
  nextDueAt?: number;
}

export class BullmqReceiver {
  readonly worker: Worker<JobData>;
  private readonly redis: Redis;
  private readonly markers: MarkerWait;
  private readonly pending = new PendingWork();
  private readonly tokenPrefix = randomUUID();
  private tokenCount = 0;
  private closed = false;

  constructor(private readonly options: BullmqReceiverOptions) {
    // Patient: while Redis is away, acks and extensions wait for it rather than fail.
    this.redis = createRedis(options.redisUrl, { name: 'queue-consumer', failFast: false, logger: options.logger });
    this.worker = new Worker<JobData>(options.queueName, null, {
      connection: asBullmqConnection(this.redis),
      autorun: false,
      skipVersionCheck: true,
      skipLockRenewal: true,
      lockDuration: Math.round(options.visibilitySeconds * 1000),
      stalledInterval: Math.max(Math.round(options.stalledCheckSeconds * 1000), 100),
      maxStalledCount: options.maxReceiveCount - 1,
      // Set here rather than per job, where every job would store them (~90 bytes each).
      removeOnComplete: { count: 0 },
      removeOnFail: { age: options.deadLetterRetentionSeconds },
    });
    this.worker.on('error', options.onError);
    this.worker.startStalledCheckTimer().catch(options.onError);
    this.markers = new MarkerWait(this.worker.toKey('marker'), () => {
      const connection = this.redis.duplicate({ connectionName: 'agentfleet-queue-wait' });
      // Outages are logged by the main connection; a waiting connection only needs to not crash.
      connection.on('error', () => {});
      return connection;
    });
  }

  /** Up to `max` held jobs; waits for work up to `waitSeconds` without polling. */
  async receive(max: number, { waitSeconds, signal }: ReceiveOptions): Promise<HeldJob[]> {
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      if (signal?.aborted || this.closed) return [];
      const fetching = this.pending.track(this.fetch(max));
      const fetched = await untilAborted(fetching, signal, (late) => this.handBack(late.held));
      if (!fetched) return [];
      if (fetched.held.length > 0) return fetched.held;
      if (fetched.deadLettered > 0) continue;
      const now = Date.now();
      if (now >= deadline) return [];
      const wakeAt = Math.min(deadline, fetched.nextDueAt ?? Infinity, now + MAX_BLOCK_MS);
      const waited = await this.markers.wait(wakeAt - now, signal);
      if (!waited) await sleep(Math.min(1_000, Math.max(deadline - Date.now(), 0)), undefined, { signal }).catch(() => {});
    }
  }

  /** Lets hand-backs of aborted receives finish (unless Redis is away), then closes the worker and its connections. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.redis.status === 'ready') await this.pending.settled(CLOSE_WAIT_MS);
    this.markers.close();
    await this.worker.close(true).catch(this.options.onError);
    await quit(this.redis);
  }

  /**
   * The first job together with a count of the jobs still ready (same round trip), then as many
   * more calls at once as that count and `max` allow: two round trips, and no calls wasted on an
   * empty queue. Receivers elsewhere may take some meanwhile; the calls that find nothing end it.
   */
  private async fetch(max: number): Promise<Fetched> {
    const [first, ready] = await Promise.all([this.moveToActive(), max > 1 ? this.readyCount() : 0]);
    if (!first.held) return { held: [], deadLettered: 0, nextDueAt: first.nextDueAt };
    const taken = [first.held];
    let wanted = Math.min(max - 1, ready);
    while (wanted > 0) {
      const wave = await Promise.all(Array.from({ length: Math.min(wanted, FETCH_WAVE) }, () => this.moveToActive()));
      const held = wave.flatMap((result) => (result.held ? [result.held] : []));
      taken.push(...held);
      if (held.length < wave.length) break;
      wanted -= wave.length;
    }
    const usable: HeldJob[] = [];
    let deadLettered = 0;
    for (const held of taken) {
      const problem = deadLetterReason(held.job);
      if (problem) {
        await moveToDeadLetter(held, problem);
        deadLettered += 1;
      } else {
        usable.push(held);
      }
    }
    return { held: usable, deadLettered };
  }

  /** Jobs waiting to be taken, in the plain and the prioritized lists. */
  private async readyCount(): Promise<number> {
    const [waiting, prioritized] = await Promise.all([this.redis.llen(this.worker.toKey('wait')), this.redis.zcard(this.worker.toKey('prioritized'))]);
    return waiting + prioritized;
  }

  private async moveToActive(): Promise<{ held?: HeldJob; nextDueAt?: number }> {
    const token = `${this.tokenPrefix}:${++this.tokenCount}`;
    const client = await this.worker.client;
    const receivedAt = Date.now();
    const [raw, id, , dueAt] = (await this.worker.scripts.moveToActive(client, token)) as [unknown, string, number, number];
    if (!raw) return { nextDueAt: dueAt > 0 ? dueAt : undefined };
    const job = Job.fromJSON<JobData>(this.worker, raw as Parameters<typeof Job.fromJSON>[1], id);
    return { held: { id, job, token, receivedAt } };
  }

  /** Jobs fetched for a receive that was aborted meanwhile go straight back to the queue. */
  private handBack(jobs: HeldJob[]): void {
    for (const { job, token } of jobs) {
      this.pending.track(job.moveToWait(token)).catch((error: unknown) =>
        this.options.logger.warn({ err: error, jobId: job.id }, 'could not hand back a message received after abort; it returns after its visibility lapses'),
      );
    }
  }
}

/** Why a fetched job must go to the dead-letter queue instead of a receiver, if it must. */
function deadLetterReason(job: Job<JobData>): string | undefined {
  if (job.deferredFailure) return `receivers vanished without settling it ${job.stalledCounter} times (${job.deferredFailure})`;
  if (typeof job.data?.body !== 'string') return 'job data has no string body (not sent by an agentfleet queue driver)';
  return undefined;
}
