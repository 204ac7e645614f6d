import type { Run } from '../model.js';
import type { RunKeys } from '../redis-keys.js';
import { encodeSpec, encodeState, statusEvent } from '../run-record.js';
import type { RunScripts } from './scripts.js';

/**
 * restore-run-5.lua: re-creates a running run's record lost with Redis's data, at `version`, with
 * the lease of `token` until `leaseUntil` (ms), back in its indexes, its events restarting from a
 * status event at `now`. False, and nothing written, when a record exists.
 */
export interface RestoreRunInput {
  run: Run;
  version: number;
  token: string;
  leaseUntil: number;
  now: number;
}

export async function restoreRun(scripts: RunScripts, keys: RunKeys, input: RestoreRunInput): Promise<boolean> {
  const { run } = input;
  const reply = await scripts.restoreRun(
    keys.run(run.id),
    ...keys.indexes(run),
    run.id,
    encodeSpec(run),
    encodeState(run),
    input.version,
    input.token,
    input.leaseUntil,
    statusEvent(run, new Date(input.now).toISOString()),
  );
  return reply === 1;
}
