import type { Logger } from '../core/logger.js';
import type { QueueDriver } from '../core/queue/contract.js';
import { encodeRunMessage } from '../core/queue/message.js';
import type { Run, RunSpec } from '../core/run/model.js';
import { messageForRun } from '../core/run/run-message.js';
import type { RunStore } from '../core/run/store.js';
import { fromQueue } from './queue-call.js';

export interface Submission {
  run: Run;
  /** False when the Idempotency-Key matched an earlier run: that run is returned and nothing is sent. */
  created: boolean;
}

/**
 * Records the run, then queues its message. If the queue refuses, the record is discarded and the
 * caller gets a DependencyUnavailableError (503): a failed submit leaves nothing behind, so the
 * client's retry (with the same Idempotency-Key) starts clean.
 */
export async function submitRun(
  store: RunStore,
  queue: QueueDriver,
  logger: Logger,
  tenant: string,
  spec: RunSpec,
  idempotencyKey: string | undefined,
): Promise<Submission> {
  const { run, created } = await store.create(tenant, spec, idempotencyKey === undefined ? undefined : { idempotencyKey });
  if (!created) return { run, created };
  try {
    await fromQueue('the queue did not accept the run', () => queue.send(encodeRunMessage(messageForRun(run))));
  } catch (sendError) {
    try {
      await store.discard(run);
    } catch (discardError) {
      // The record stays queued without a message; it cannot be undone from here, so say so loudly.
      logger.error({ err: discardError, runId: run.id, tenant }, 'queue send failed and the run record could not be discarded');
    }
    throw sendError;
  }
  return { run, created };
}
