import type { Run } from '../model.js';
import { decodeRuns } from '../run-record.js';
import type { RunScripts } from './scripts.js';

/**
 * list-runs-1.lua: up to `limit` runs of one index, newest first, from `start` (`+`, or `(` and the
 * last id of the previous page), examining at most `budget` entries (holes of expired runs included,
 * which it removes). `last` is the id to continue after, absent when the index is exhausted.
 */
export async function listRuns(scripts: RunScripts, index: string, start: string, limit: number, prefix: string, budget: number): Promise<{ runs: Run[]; last?: string }> {
  const [last, ...records] = (await scripts.listRuns(index, start, limit, prefix, budget)) as string[];
  const runs = decodeRuns(records);
  return last ? { runs, last } : { runs };
}
