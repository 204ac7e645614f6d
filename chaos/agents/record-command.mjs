import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readInput, record } from './journal.mjs';

/**
 * The chaos `command` agent: journals its start, waits `durationMs`, journals its end and prints a
 * result (or an error line when `fail` is set). On SIGTERM it journals the stop and exits. Its parent
 * pid is journalled at start and at the end: a change means the worker that started it died while it
 * kept running.
 */

const base = {
  runId: process.env.AGENTFLEET_RUN_ID,
  attempt: Number(process.env.AGENTFLEET_ATTEMPT),
  agent: 'command',
  pid: process.pid,
};
const { durationMs, journal, fail } = readInput(JSON.parse(readFileSync(0, 'utf8')));
const startedUnder = process.ppid;
// The handler goes in before the start is journalled: a SIGTERM sent on seeing the start line must
// find it (without one, Node dies of the signal and nothing journals the stop).
process.once('SIGTERM', () => {
  record(journal, { ...base, event: 'stopped', ppid: process.ppid });
  process.exit(143);
});
record(journal, { ...base, event: 'start', ppid: startedUnder });

await sleep(durationMs);
record(journal, { ...base, event: 'end', ok: !fail, ppid: process.ppid });
// A worker that died closed this pipe; the journal line above is what counts.
process.stdout.on('error', () => process.exit(0));
const line = fail
  ? { type: 'error', message: 'chaos: failing on purpose', errorType: 'chaos_failure', retryable: true }
  : { type: 'result', result: { runId: base.runId, attempt: base.attempt } };
process.stdout.write(`${JSON.stringify(line)}\n`);
