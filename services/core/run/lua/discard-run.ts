import type { Run } from '../model.js';
import type { RunKeys } from '../redis-keys.js';
import { encodeSpec, encodeState } from '../run-record.js';
import type { RunScripts } from './scripts.js';

/**
 * discard-run-9.lua: replaces a run whose message could not be sent by a tombstone (kept for
 * `retentionMs`), out of the indexes it is listed in as `run`, the queued set and the outbox, its
 * idempotency key freed. True when withdrawn; false when the run was kept (started, or a replay returned it).
 */
export async function discardRun(scripts: RunScripts, keys: RunKeys, run: Run, tombstone: Run, idempotencyKey: string | null, retentionMs: number): Promise<boolean> {
  const runKey = keys.run(run.id);
  const discarded = await scripts.discardRun(
    runKey,
    keys.events(run.id),
    idempotencyKey ?? runKey,
    ...keys.indexes(run),
    keys.queued,
    keys.unsent,
    run.id,
    encodeSpec(tombstone),
    encodeState(tombstone),
    retentionMs,
  );
  return discarded === 1;
}
