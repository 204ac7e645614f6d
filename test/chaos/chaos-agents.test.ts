import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

function runCommandAgent(input: unknown, onStart?: (pid: number) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['record-command.mjs'], {
    cwd: AGENTS,
    env: { PATH: process.env.PATH, AGENTFLEET_RUN_ID: 'run-1', AGENTFLEET_ATTEMPT: '2' },
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

test('the command agent journals a SIGTERM as a stop', async (t) => {
  const journal = journalIn(t);
  const finished = runCommandAgent({ durationMs: 60_000, journal }, (pid) => {
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
  });
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
