import type { AgentCatalog } from '../core/agents/catalog.js';
import type { Logger } from '../core/logger.js';
import type { QueueDriver } from '../core/queue/contract.js';
import { MessageRejectedError } from '../core/queue/errors.js';
import { assertBodySize } from '../core/queue/limits.js';
import { encodeRunMessage } from '../core/queue/message.js';
import type { Run, RunSpec } from '../core/run/model.js';
import { messageForRun, sendOptionsFor } from '../core/run/run-message.js';
import type { Creation, RunStore } from '../core/run/store.js';
import { notAccepted } from './errors.js';
import { problemForError } from './problem.js';
import { fromQueue } from './queue-call.js';
import { resolveRunSpec } from './run-spec.js';
import { markSentInBackground, withdrawUnsentRun } from './submit-run.js';
import { batchRunItem, type Problem } from './schemas.js';
import { parseRequest } from './validate.js';

/** One item's answer: its run (and whether this call created it), or why it was not queued. */
export type BatchEntry = { run: Run; created: boolean } | { problem: Problem };

/**
 * POST /v1/runs/batch: each item is validated on its own (a bad item is that item's problem), the
 * valid ones are recorded in one round trip (`createMany`, one script call), and the messages of
 * those that need one go out in one `sendBatch` (SQS: SendMessageBatch by 10; BullMQ: addBulk).
 * As with a single submit, a run whose message could not be sent is discarded (a replay is left in
 * the outbox for its next replay or the sweeper) and its entry is the problem, which says whether the
 * run may have been recorded; the others stand. A failure to record (Redis down) fails the whole
 * request with a 503 that says the runs may have been recorded: the script wrote all or nothing, but
 * the reply may have been lost after it did.
 */
export async function submitRunBatch(
  deps: { store: RunStore; queue: Pick<QueueDriver, 'sendBatch'>; agents: AgentCatalog; logger: Logger },
  tenant: string,
  items: readonly unknown[],
  requestId: string,
): Promise<BatchEntry[]> {
  const entries: (BatchEntry | undefined)[] = [];
  const valid: { at: number; spec: RunSpec; idempotencyKey?: string }[] = [];
  items.forEach((item, at) => {
    try {
      const { idempotencyKey, ...request } = parseRequest(batchRunItem, item, 'item');
      valid.push({ at, spec: resolveRunSpec(request, deps.agents), ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
    } catch (error) {
      entries[at] = { problem: problemForError(error, requestId).problem };
    }
  });
  // As with a single submit, the write may have landed before the connection broke.
  const creations = await deps.store.createMany(tenant, valid).catch((error: unknown) => {
    throw notAccepted(error, true, 'batch');
  });
  const toSend: { at: number; creation: Creation; body: string }[] = [];
  for (const [index, creation] of creations.entries()) {
    const at = (valid[index] as (typeof valid)[number]).at;
    entries[at] = { run: creation.run, created: creation.created };
    if (!creation.mustSend) continue;
    const body = encodeRunMessage(messageForRun(creation.run));
    try {
      assertBodySize(body);
      toSend.push({ at, creation, body });
    } catch (error) {
      entries[at] = { problem: problemForError(error, requestId).problem };
      if (creation.created) await withdrawUnsentRun(deps.store, deps.logger, creation.run);
    }
  }
  await sendAll(deps, toSend, entries, requestId);
  return entries as BatchEntry[];
}

async function sendAll(
  deps: { store: RunStore; queue: Pick<QueueDriver, 'sendBatch'>; logger: Logger },
  toSend: readonly { at: number; creation: Creation; body: string }[],
  entries: (BatchEntry | undefined)[],
  requestId: string,
): Promise<void> {
  if (toSend.length === 0) return;
  const now = Date.now();
  let unsent = new Set<number>();
  try {
    await fromQueue('the queue did not accept the runs', () =>
      deps.queue.sendBatch(
        toSend.map((one) => one.body),
        toSend.map((one) => sendOptionsFor(one.creation.run, now)),
      ),
    );
  } catch (error) {
    // Refused messages are named; after any other failure, none is known to have been sent.
    unsent = new Set(error instanceof MessageRejectedError ? error.indexes : toSend.map((_, index) => index));
    for (const index of unsent) {
      const { at, creation } = toSend[index] as (typeof toSend)[number];
      // A replay's run, or one that could not be withdrawn, stays recorded and gets its message later.
      const withdrawn = creation.created && (await withdrawUnsentRun(deps.store, deps.logger, creation.run));
      entries[at] = { problem: problemForError(notAccepted(error, !withdrawn, 'batch-item'), requestId).problem };
    }
  }
  toSend.forEach(({ creation }, index) => {
    if (!unsent.has(index)) markSentInBackground(deps.store, deps.logger, creation.run.id);
  });
}
