import { setTimeout as sleep } from 'node:timers/promises';
import { readInput, record } from './journal.mjs';

/**
 * The chaos `module` agent: the same journal as record-command.mjs, from inside the worker's process
 * (so it dies with its worker). It honours the abort signal (cancel, timeout, drain).
 */
export async function run(input, ctx) {
  const { durationMs, journal, fail } = readInput(input);
  const base = { runId: ctx.runId, attempt: ctx.attempt, agent: 'module', pid: process.pid };
  record(journal, { ...base, event: 'start' });
  try {
    await sleep(durationMs, undefined, { signal: ctx.signal });
  } catch (error) {
    record(journal, { ...base, event: 'stopped' });
    throw error;
  }
  record(journal, { ...base, event: 'end', ok: !fail });
  if (fail) throw Object.assign(new Error('chaos: failing on purpose'), { type: 'chaos_failure' });
  return { runId: ctx.runId, attempt: ctx.attempt };
}
