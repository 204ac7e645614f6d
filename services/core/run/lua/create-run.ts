import type { Run } from '../model.js';
import type { RunKeys } from '../redis-keys.js';
import { decodeRun, encodeSpec, encodeState, statusEvent } from '../run-record.js';
import type { StoredRun } from '../stored-run.js';
import type { RunScripts } from './scripts.js';

/**
 * create-run-8.lua (and create-runs.lua, for a batch): writes a new run (into the outbox too when its caller is to send its message),
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
  const { keys: runKeys, args } = layout(keys, input);
  return decodeReply((await scripts.createRun(...runKeys, ...args)) as RawReply);
}

/** create-runs.lua: many runs in one call, each as `createRun` makes one; replies in the same order. */
export async function createRuns(scripts: RunScripts, keys: RunKeys, inputs: readonly CreateRunInput[]): Promise<CreateRunReply[]> {
  if (inputs.length === 0) return [];
  const laid = inputs.map((input) => layout(keys, input));
  const allKeys = laid.flatMap((one) => one.keys);
  const replies = (await scripts.createRuns(allKeys.length, ...allKeys, ...laid.flatMap((one) => one.args))) as RawReply[];
  return replies.map(decodeReply);
}

function layout(keys: RunKeys, input: CreateRunInput): { keys: string[]; args: (string | number)[] } {
  const { run } = input;
  const runKey = keys.run(run.id);
  return {
    keys: [runKey, input.idempotencyKey ?? runKey, ...keys.indexes(run), keys.queued, input.outbox ? keys.unsent : runKey],
    args: [run.id, encodeSpec(run), encodeState(run), Date.parse(run.createdAt), statusEvent(run, run.createdAt), keys.prefix, input.sendClaimMs, input.requestFingerprint ?? ''],
  };
}

function decodeReply(reply: RawReply): CreateRunReply {
  if (reply[0] === 1) return { created: true };
  if (reply[0] === 2) return { created: false, conflictingRunId: reply[1] };
  const [, id, spec, state, version, discarded, mustSend] = reply;
  return { created: false, stored: { run: decodeRun(id, spec, state), version: Number(version), discarded: discarded === '1' }, mustSend: mustSend === 1 };
}
