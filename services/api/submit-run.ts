import type { Logger } from '../core/logger.js';
import type { QueueDriver } from '../core/queue/contract.js';
import { encodeRunMessage } from '../core/queue/message.js';
import type { Run, RunSpec } from '../core/run/model.js';
import { messageForRun, sendOptionsFor } from '../core/run/run-message.js';
import type { RunStore } from '../core/run/store.js';
import { notAccepted } from './errors.js';
import { fromQueue } from './queue-call.js';

export interface Submission {
  run: Run;
  /** False when the Idempotency-Key matched an earlier run: that run is returned. */
  created: boolean;
}

/**
 * Records the run (and, in the same write, its entry in the store's outbox of unsent messages), then
 * queues its message. If the queue refuses, the record is withdrawn and the caller gets a
 * RunNotAcceptedError (503) saying the run was not recorded: the client's retry (with the same
 * Idempotency-Key) starts clean. If the withdrawal fails too (Redis went away between the two), or the
 * record itself failed half-way (the write may have landed before the connection broke), the 503 says
 * the run may have been recorded: it stays in the outbox, and the client's retry with the same key
 * gets that run and sends its message (the store says so on the replay), as does the sweeper
 * (unsent-run-sweeper.ts) for a client that never retries.
 */
export async function submitRun(
  store: RunStore,
  queue: Pick<QueueDriver, 'send'>,
  logger: Logger,
  tenant: string,
  spec: RunSpec,
  idempotencyKey: string | undefined,
  requestFingerprint?: string,
): Promise<Submission> {
  const options = idempotencyKey === undefined ? undefined : { idempotencyKey, requestFingerprint };
  const { run, created, mustSend } = await store.create(tenant, spec, options).catch((error: unknown) => {
    throw notAccepted(error, true);
  });
  if (!mustSend) return { run, created };
  if (!created) {
    // Its first send failed or its sender died: a 503 on this replay leaves it in the outbox, claimed
    // for a few seconds, for the next replay or the sweeper.
    logger.warn({ runId: run.id, tenant }, 'idempotent replay of a run whose queue message may never have been sent: sending it');
    await queueRunMessage(store, queue, logger, run).catch((error: unknown) => {
      throw notAccepted(error, true);
    });
    return { run, created };
  }
  try {
    await queueRunMessage(store, queue, logger, run);
  } catch (sendError) {
    const withdrawn = await withdrawUnsentRun(store, logger, run);
    throw notAccepted(sendError, !withdrawn);
  }
  return { run, created };
}

/**
 * A created run whose message could not be sent is withdrawn; if that fails too, the outbox still holds
 * it. True when withdrawn; false when the run is still recorded (and will get its message later).
 */
export async function withdrawUnsentRun(store: Pick<RunStore, 'discard'>, logger: Logger, run: Run): Promise<boolean> {
  try {
    return await store.discard(run);
  } catch (discardError) {
    logger.error(
      { err: discardError, runId: run.id, tenant: run.tenant },
      'queue send failed and the run record could not be discarded; its message will be sent by a retry with the same Idempotency-Key or by the unsent-run sweeper',
    );
    return false;
  }
}

/**
 * Takes a sent run out of the outbox. Not awaited, so the client's answer does not wait for it: if it
 * fails, the sweeper finds the entry and either drops it (the run started) or sends the message again,
 * harmlessly.
 */
export function markSentInBackground(store: Pick<RunStore, 'markSent'>, logger: Logger, runId: string): void {
  store.markSent(runId).catch((error: unknown) => {
    logger.debug({ err: error, runId }, 'could not take a sent run out of the outbox; the sweeper will');
  });
}

/**
 * Sends the run's queue message, then takes the run out of the outbox. Sending a message twice
 * (a replay or a sweeper racing a slow first send, or a lost `markSent`) is harmless: the run store's
 * lease compare-and-set lets only one delivery start the run and drops the others.
 */
export async function queueRunMessage(
  store: Pick<RunStore, 'markSent'>,
  queue: Pick<QueueDriver, 'send'>,
  logger: Logger,
  run: Run,
): Promise<void> {
  await fromQueue('the queue did not accept the run', () => queue.send(encodeRunMessage(messageForRun(run)), sendOptionsFor(run, Date.now())));
  markSentInBackground(store, logger, run.id);
}
