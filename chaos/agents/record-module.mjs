import { setTimeout as sleep } from 'node:timers/promises';
import { failsNow, readInput, record, resumePoint } from './journal.mjs';

/**
 * The chaos `module` agent: the same journal and checkpoints as record-command.mjs, from inside the
 * worker's process (so it dies with its worker). It honours the abort signal (cancel, timeout,
 * drain), writing a last checkpoint before it stops.
 */
export async function run(input, ctx) {
  const options = readInput(input);
  const { durationMs, journal, checkpointEveryMs } = options;
  const base = { runId: ctx.runId, attempt: ctx.attempt, agent: 'module', pid: process.pid };
  const resumedFrom = ctx.lastCheckpoint === undefined ? undefined : resumePoint(ctx.lastCheckpoint);
  const startedAt = Date.now() - (resumedFrom ?? 0);
  const doneMs = () => Math.min(durationMs, Date.now() - startedAt);
  const checkpoint = async (done) => {
    await ctx.checkpoint({ doneMs: done });
    record(journal, { ...base, event: 'checkpoint', doneMs: done });
  };
  record(journal, { ...base, event: 'start', ...(resumedFrom === undefined ? {} : { resumedFrom }) });
  const step = checkpointEveryMs ?? durationMs;
  try {
    while (doneMs() < durationMs) {
      await sleep(Math.min(step, durationMs - doneMs()), undefined, { signal: ctx.signal });
      if (checkpointEveryMs !== undefined && doneMs() < durationMs) await checkpoint(doneMs());
    }
  } catch (error) {
    if (checkpointEveryMs !== undefined) await checkpoint(doneMs());
    record(journal, { ...base, event: 'stopped' });
    throw error;
  }
  const fails = failsNow(options);
  record(journal, { ...base, event: 'end', ok: !fails });
  if (fails) throw Object.assign(new Error('chaos: failing on purpose'), { type: 'chaos_failure' });
  return { runId: ctx.runId, attempt: ctx.attempt };
}
