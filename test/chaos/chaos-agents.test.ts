import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { executionsOf, parseJournal } from '../../chaos/harness/executions.js';

/** The journalling agents of chaos/agents/, run the way a worker runs them. */

const AGENTS_URL = new URL('../../chaos/agents/', import.meta.url);
const AGENTS = fileURLToPath(AGENTS_URL);

function journalIn(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'chaos-agents-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'executions.jsonl');
}

function runCommandAgent(input: unknown, onStart?: (pid: number) => void, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['record-command.mjs'], {
    cwd: AGENTS,
    env: { PATH: process.env.PATH, AGENTFLEET_RUN_ID: 'run-1', AGENTFLEET_ATTEMPT: '2', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(`${JSON.stringify(input)}\n`);
  if (onStart && child.pid) onStart(child.pid);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

test('the command agent journals its start and end and prints its result line', async (t) => {
  const journal = journalIn(t);
  const { code, stdout } = await runCommandAgent({ durationMs: 10, journal });
  t.is(code, 0);
  t.deepEqual(JSON.parse(stdout), { type: 'result', result: { runId: 'run-1', attempt: 2 } });
  const [execution] = executionsOf(parseJournal(readFileSync(journal, 'utf8')));
  t.like(execution, { runId: 'run-1', attempt: 2, agent: 'command', outcome: 'completed', orphaned: false });
});

test('the command agent fails on purpose with an error line', async (t) => {
  const journal = journalIn(t);
  const { stdout } = await runCommandAgent({ durationMs: 0, journal, fail: true });
  t.like(JSON.parse(stdout), { type: 'error', errorType: 'chaos_failure', retryable: true });
  t.is(executionsOf(parseJournal(readFileSync(journal, 'utf8')))[0]?.outcome, 'failed');
});

function sigtermOnStart(journal: string): (pid: number) => void {
  return (pid) => {
    const poll = setInterval(() => {
      try {
        if (readFileSync(journal, 'utf8').includes('"start"')) {
          clearInterval(poll);
          process.kill(pid, 'SIGTERM');
        }
      } catch {
        // Not written yet.
      }
    }, 20);
  };
}

test('the command agent resumes from AGENTFLEET_LAST_CHECKPOINT, checkpoints as it goes and on SIGTERM', async (t) => {
  const journal = journalIn(t);
  const done = await runCommandAgent({ durationMs: 300, checkpointEveryMs: 100, journal }, undefined, { AGENTFLEET_LAST_CHECKPOINT: JSON.stringify({ doneMs: 150 }) });
  const lines = done.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data?: { doneMs: number } });
  t.is(lines.at(-1)?.type, 'result');
  t.true(lines.filter((l) => l.type === 'checkpoint').every((l) => (l.data?.doneMs ?? 0) > 150), 'only the work after the checkpoint is done');
  const [resumed] = executionsOf(parseJournal(readFileSync(journal, 'utf8')));
  t.like(resumed, { resumedFrom: 150, outcome: 'completed' });

  const stoppedJournal = journalIn(t);
  const stopped = await runCommandAgent({ durationMs: 60_000, checkpointEveryMs: 10_000, journal: stoppedJournal }, sigtermOnStart(stoppedJournal));
  const [last] = stopped.stdout.trim().split('\n').map((line) => JSON.parse(line) as { type: string; data: { doneMs: number } });
  t.is(last?.type, 'checkpoint');
  const [execution] = executionsOf(parseJournal(readFileSync(stoppedJournal, 'utf8')));
  t.like(execution, { outcome: 'stopped', checkpoints: [last?.data.doneMs] });
});

test('the command agent fails while its failWhile file exists', async (t) => {
  const journal = journalIn(t);
  const fault = `${journal}.fault`;
  writeFileSync(fault, '');
  t.like(JSON.parse((await runCommandAgent({ durationMs: 0, journal, failWhile: fault })).stdout), { type: 'error' });
  rmSync(fault);
  t.like(JSON.parse((await runCommandAgent({ durationMs: 0, journal, failWhile: fault })).stdout), { type: 'result' });
});

test('the command agent journals a SIGTERM as a stop', async (t) => {
  const journal = journalIn(t);
  const finished = runCommandAgent({ durationMs: 60_000, journal }, sigtermOnStart(journal));
  t.is((await finished).code, 143);
  t.is(executionsOf(parseJournal(readFileSync(journal, 'utf8')))[0]?.outcome, 'stopped');
});

test('bad input is refused naming the field', async (t) => {
  const { code, stderr } = await runCommandAgent({ durationMs: 10, journal: 'relative/path' });
  t.not(code, 0);
  t.regex(stderr, /input\.journal: expected an absolute file path/);
});

test('the module agent journals its execution and stops on abort', async (t) => {
  const journal = journalIn(t);
  const { run } = (await import(new URL('record-module.mjs', AGENTS_URL).href)) as { run(input: unknown, ctx: unknown): Promise<unknown> };
  const ctx = (signal: AbortSignal) => ({ runId: 'run-2', attempt: 1, signal });
  t.deepEqual(await run({ durationMs: 5, journal }, ctx(new AbortController().signal)), { runId: 'run-2', attempt: 1 });
  const aborted = new AbortController();
  const stopping = run({ durationMs: 60_000, journal }, ctx(aborted.signal));
  aborted.abort();
  await t.throwsAsync(stopping);
  await t.throwsAsync(run({ durationMs: 0, journal, fail: true }, ctx(new AbortController().signal)), { message: 'chaos: failing on purpose' });
  t.deepEqual(
    executionsOf(parseJournal(readFileSync(journal, 'utf8'))).map((e) => e.outcome),
    ['completed', 'stopped', 'failed'],
  );
});

test('the module agent resumes from ctx.lastCheckpoint and writes a last checkpoint when aborted', async (t) => {
  const journal = journalIn(t);
  const { run } = (await import(new URL('record-module.mjs', AGENTS_URL).href)) as { run(input: unknown, ctx: unknown): Promise<unknown> };
  const saved: unknown[] = [];
  const aborted = new AbortController();
  const ctx = { runId: 'run-3', attempt: 2, signal: aborted.signal, lastCheckpoint: { doneMs: 2_000 }, checkpoint: async (data: unknown) => void saved.push(data) };
  const stopping = run({ durationMs: 60_000, checkpointEveryMs: 10_000, journal }, ctx);
  aborted.abort();
  await t.throwsAsync(stopping);
  const [execution] = executionsOf(parseJournal(readFileSync(journal, 'utf8')));
  t.like(execution, { resumedFrom: 2_000, outcome: 'stopped' });
  t.is(saved.length, 1);
  t.true((saved[0] as { doneMs: number }).doneMs >= 2_000, 'the last checkpoint counts the work before the resume');
  t.deepEqual(execution?.checkpoints, [(saved[0] as { doneMs: number }).doneMs]);
});
