import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { failsNow, readInput, record, resumePoint } from './journal.mjs';

/**
 * The chaos `command` agent: journals its start (with the checkpoint it resumed from, handed over in
 * AGENTFLEET_LAST_CHECKPOINT), works for what is left of `durationMs`, writing a checkpoint line every
 * `checkpointEveryMs`, journals its end and prints a result (or an error line when it fails). On
 * SIGTERM it writes a last checkpoint, journals the stop and exits. Its parent pid is journalled at
 * start and at the end: a change means the worker that started it died while it kept running.
 */

const base = {
  runId: process.env.AGENTFLEET_RUN_ID,
  attempt: Number(process.env.AGENTFLEET_ATTEMPT),
  agent: 'command',
  pid: process.pid,
};
const input = readInput(JSON.parse(readFileSync(0, 'utf8')));
const { durationMs, journal, checkpointEveryMs } = input;
const resumedFrom = process.env.AGENTFLEET_LAST_CHECKPOINT === undefined ? undefined : resumePoint(JSON.parse(process.env.AGENTFLEET_LAST_CHECKPOINT));
const startedUnder = process.ppid;
const startedAt = Date.now() - (resumedFrom ?? 0);
const doneMs = () => Math.min(durationMs, Date.now() - startedAt);

/** The line goes out before the journal says so: a journalled checkpoint is one the worker was given. */
function checkpoint(done) {
  process.stdout.write(`${JSON.stringify({ type: 'checkpoint', data: { doneMs: done } })}\n`);
  record(journal, { ...base, event: 'checkpoint', doneMs: done });
}

// The handler goes in before the start is journalled: a SIGTERM sent on seeing the start line must
// find it (without one, Node dies of the signal and nothing journals the stop).
process.once('SIGTERM', () => {
  if (checkpointEveryMs !== undefined) checkpoint(doneMs());
  record(journal, { ...base, event: 'stopped', ppid: process.ppid });
  process.exit(143);
});
record(journal, { ...base, event: 'start', ppid: startedUnder, ...(resumedFrom === undefined ? {} : { resumedFrom }) });

const step = checkpointEveryMs ?? durationMs;
while (doneMs() < durationMs) {
  await sleep(Math.min(step, durationMs - doneMs()));
  if (checkpointEveryMs !== undefined && doneMs() < durationMs) checkpoint(doneMs());
}
const fails = failsNow(input);
record(journal, { ...base, event: 'end', ok: !fails, ppid: process.ppid });
// A worker that died closed this pipe; the journal line above is what counts.
process.stdout.on('error', () => process.exit(0));
const line = fails
  ? { type: 'error', message: 'chaos: failing on purpose', errorType: 'chaos_failure', retryable: true }
  : { type: 'result', result: { runId: base.runId, attempt: base.attempt } };
process.stdout.write(`${JSON.stringify(line)}\n`);
