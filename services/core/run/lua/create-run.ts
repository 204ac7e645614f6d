import type { Run } from '../model.js';
import type { RunKeys } from '../redis-keys.js';
import { decodeRun, encodeSpec, encodeState, statusEvent } from '../run-record.js';
import type { StoredRun } from '../stored-run.js';
import type { RunScripts } from './scripts.js';

/**
 * create-run-8.lua: writes a new run (into the outbox too when its caller is to send its message),
 * or returns the run its idempotency key (or id) already names, and whether the caller must send
 * that run's message; or says the key names a run another request created.
 */

export interface CreateRunInput {
  run: Run;
  /** The idempotency key's Redis key, when the request has one. */
  idempotencyKey: string | undefined;
  /** Fingerprint of the request behind the idempotency key, compared on a replay of the key. */
  requestFingerprint: string | undefined;
  /** Whether the caller sends the run's message and so the run waits in the outbox until it did. */
  outbox: boolean;
  sendClaimMs: number;
}

export type CreateRunReply =
  | { created: true }
  | { created: false; stored: StoredRun; mustSend: boolean }
  | { created: false; conflictingRunId: string };

type RawReply = [1] | [0, string, string, string, string, string, number] | [2, string];

export async function createRun(scripts: RunScripts, keys: RunKeys, input: CreateRunInput): Promise<CreateRunReply> {
  const { run } = input;
  const runKey = keys.run(run.id);
  const reply = (await scripts.createRun(
    runKey,
    input.idempotencyKey ?? runKey,
    ...keys.indexes(run),
    keys.queued,
    input.outbox ? keys.unsent : runKey,
    run.id,
    encodeSpec(run),
    encodeState(run),
    Date.parse(run.createdAt),
    statusEvent(run, run.createdAt),
    keys.prefix,
    input.sendClaimMs,
    input.requestFingerprint ?? '',
  )) as RawReply;
  if (reply[0] === 1) return { created: true };
  if (reply[0] === 2) return { created: false, conflictingRunId: reply[1] };
  const [, id, spec, state, version, discarded, mustSend] = reply;
  return { created: false, stored: { run: decodeRun(id, spec, state), version: Number(version), discarded: discarded === '1' }, mustSend: mustSend === 1 };
}
