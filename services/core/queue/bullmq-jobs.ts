import { type ConnectionOptions, type Job, UnrecoverableError } from 'bullmq';
import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';

/** How the BullMQ driver stores a message: one job named `run` whose data holds the opaque body. */

export const JOB_NAME = 'run';

export interface JobData {
  body: string;
}

/** A job this process moved to active, with the lock token that proves it holds the job. */
export interface HeldJob {
  id: string;
  job: Job<JobData>;
  token: string;
  /** Taken just before the call that locked the job, so the lock never started earlier than this. */
  receivedAt: number;
}

const MAX_REASON_CHARS = 1024;

/** Moves a held job to the failed set, BullMQ's dead-letter queue, with the reason as its failedReason. */
export function moveToDeadLetter({ job, token }: HeldJob, reason: string): Promise<unknown> {
  const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
  // Unrecoverable, so BullMQ never retries it whatever the job's attempts say.
  const error = new UnrecoverableError(text);
  // A dead letter's reason is what matters; the driver's own stack says nothing about the message.
  error.stack = '';
  return job.moveToFailed(error, token, false);
}

/** BullMQ bundles its own ioredis release; the client API it relies on is the same, only the types differ. */
export function asBullmqConnection(redis: Redis): ConnectionOptions {
  return redis as unknown as ConnectionOptions;
}

/** QUIT, or a hard disconnect when Redis does not answer within a second (closing must not hang). */
export async function quit(redis: Redis): Promise<void> {
  const timeout = sleep(1_000, 'timeout' as const, { ref: false });
  const quitted = redis.quit().then(
    () => 'quit' as const,
    () => 'failed' as const,
  );
  if ((await Promise.race([quitted, timeout])) !== 'quit') redis.disconnect();
}
