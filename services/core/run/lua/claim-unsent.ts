import type { Run } from '../model.js';
import type { RunKeys } from '../redis-keys.js';
import { decodeRuns } from '../run-record.js';
import type { RunScripts } from './scripts.js';

/**
 * claim-unsent-1.lua: up to `limit` runs of the outbox whose send was last claimed before
 * `claimedBefore`, each claimed anew at `now` (ms) so one sweeper sends it.
 */
export async function claimUnsent(scripts: RunScripts, keys: RunKeys, now: number, claimedBefore: number, limit: number): Promise<Run[]> {
  return decodeRuns((await scripts.claimUnsent(keys.unsent, now, claimedBefore, limit, keys.prefix)) as string[]);
}
