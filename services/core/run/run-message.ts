import { RUN_MESSAGE_VERSION, type RunMessage } from '../queue/message.js';
import type { SendOptions } from '../queue/contract.js';
import { MAX_DELAY_SECONDS } from '../queue/limits.js';
import { eligibleAt, type Run } from './model.js';
import { createRun } from './state-machine.js';

/**
 * The queue message and the run record describe the same run (DESIGN §6): a message can be made from a
 * run, and a run rebuilt from a message when its Redis record was lost.
 */

/** The message that asks for the run's next attempt. */
export function messageForRun(run: Run): RunMessage {
  return {
    v: RUN_MESSAGE_VERSION,
    runId: run.id,
    tenant: run.tenant,
    agent: run.agent,
    input: run.input,
    timeoutSeconds: run.timeoutSeconds,
    maxAttempts: run.maxAttempts,
    attempt: run.attempts.length + 1,
    priority: run.priority,
    metadata: run.metadata,
    createdAt: run.createdAt,
    ...(run.ttlSeconds === undefined ? {} : { ttlSeconds: run.ttlSeconds }),
    ...(run.delaySeconds === undefined ? {} : { delaySeconds: run.delaySeconds }),
  };
}

/** How the run's message is sent at `now`: its priority, and what remains of its delay (the queue caps it; the worker holds back a run received early). */
export function sendOptionsFor(run: Run, now: number): SendOptions {
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((eligibleAt(run) - now) / 1000)));
  return delaySeconds > 0 ? { priority: run.priority, delaySeconds } : { priority: run.priority };
}

/**
 * A queued run carrying the message's spec. Its attempt history is gone with the record, so the rebuilt
 * run starts counting attempts again.
 */
export function runFromMessage(message: RunMessage, now: string): Run {
  return createRun({
    id: message.runId,
    tenant: message.tenant,
    createdAt: message.createdAt ?? now,
    spec: {
      agent: message.agent,
      input: message.input,
      timeoutSeconds: message.timeoutSeconds,
      maxAttempts: message.maxAttempts,
      priority: message.priority ?? 0,
      metadata: message.metadata ?? {},
      ...(message.ttlSeconds === undefined ? {} : { ttlSeconds: message.ttlSeconds }),
      ...(message.delaySeconds === undefined ? {} : { delaySeconds: message.delaySeconds }),
    },
  });
}
