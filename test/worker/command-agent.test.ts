import test from 'ava';
import { fileURLToPath } from 'node:url';
import { CommandExecutor, type CommandAgentDefinition } from '../../services/worker/agents/command.js';
import { recordingContext, eventually } from './helpers/recording-context.js';
import { processIsRunning } from './helpers/processes.js';

// The executor on its own: real child processes, no queue or store needed.
const fixtures = fileURLToPath(new URL('../fixtures/agents/', import.meta.url));
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function agent(script: string, extra: Partial<CommandAgentDefinition> = {}): CommandAgentDefinition {
  return { type: 'command', command: [process.execPath, script], cwd: fixtures, ...extra };
}

function executor(script: string, killGraceMs = 2000, extra: Partial<CommandAgentDefinition> = {}) {
  return new CommandExecutor(agent(script, extra), { killGraceMs, baseEnv });
}

test('the result line becomes the result, and the agent sees its run, attempt and last checkpoint but not the worker environment', async (t) => {
  process.env.AGENTFLEET_TEST_SECRET = 'worker-only';
  const ctx = recordingContext({ echoContext: true }, { runId: 'run-42', attempt: 3, lastCheckpoint: { step: 7 } });
  const outcome = await executor('protocol-agent.mjs', 2000, { env: { FROM_AGENTS_FILE: 'yes' } }).execute(ctx);
  t.deepEqual(outcome, {
    kind: 'result',
    result: {
      input: { echoContext: true },
      runId: 'run-42',
      attempt: 3,
      lastCheckpoint: { step: 7 },
      inheritedSecret: null,
      fromAgentsFile: 'yes',
    },
  });
});

test('log, progress and checkpoint lines are reported, and a line that is not protocol JSON becomes a log line', async (t) => {
  const ctx = recordingContext({
    stdout: [
      { type: 'log', message: 'thinking', level: 'debug' },
      { type: 'progress', percent: 40 },
      { type: 'checkpoint', data: { cursor: 'abc' } },
      'plain text',
      { type: 'mystery', value: 1 },
      { type: 'result', result: 'answer' },
    ],
    stderr: ['a warning'],
  });
  const outcome = await executor('protocol-agent.mjs').execute(ctx);
  t.deepEqual(outcome, { kind: 'result', result: 'answer' });
  t.deepEqual(ctx.progress.calls, [{ percent: 40 }]);
  t.deepEqual(ctx.checkpoints, [{ cursor: 'abc' }]);
  t.deepEqual(
    ctx.logs.map((l) => [l.message, l.fields]),
    [
      ['thinking', { level: 'debug' }],
      ['plain text', { stream: 'stdout' }],
      ['{"type":"mystery","value":1}', { stream: 'stdout' }],
      ['a warning', { stream: 'stderr' }],
    ],
  );
});

test('exit 0 without a result line succeeds with a null result', async (t) => {
  const outcome = await executor('protocol-agent.mjs').execute(recordingContext({ stdout: ['no result here'] }));
  t.deepEqual(outcome, { kind: 'result', result: null });
});

test('a non-zero exit fails the attempt, retryably, with the exit code and the tail of stderr', async (t) => {
  const outcome = await executor('protocol-agent.mjs').execute(recordingContext({ stderr: ['first', 'boom: disk full'], exitCode: 3 }));
  t.is(outcome.kind, 'error');
  if (outcome.kind !== 'error') return;
  t.is(outcome.error.type, 'agent_exit');
  t.regex(outcome.error.message, /exited with code 3/);
  t.regex(outcome.error.message, /first\nboom: disk full/);
  t.true(outcome.retryable);
});

test('an error line fails the attempt with the agent\'s type and retry decision, even on exit 0', async (t) => {
  const outcome = await executor('protocol-agent.mjs').execute(
    recordingContext({ stdout: [{ type: 'error', message: 'quota exhausted', errorType: 'quota', retryable: false }] }),
  );
  t.deepEqual(outcome, { kind: 'error', error: { type: 'quota', message: 'quota exhausted' }, retryable: false });
});

test('a command that cannot be started fails without retry, naming the command', async (t) => {
  const missing = new CommandExecutor(
    { type: 'command', command: ['/nonexistent/agent-binary'], cwd: fixtures },
    { killGraceMs: 1000, baseEnv },
  );
  const outcome = await missing.execute(recordingContext({}));
  t.is(outcome.kind, 'error');
  if (outcome.kind !== 'error') return;
  t.is(outcome.error.type, 'agent_spawn_failed');
  t.regex(outcome.error.message, /\/nonexistent\/agent-binary/);
  t.false(outcome.retryable);
});

test('an agent that ignores SIGTERM is killed after the grace, with its grandchild and an escaped daemon', async (t) => {
  const killGraceMs = 1500;
  const ctx = recordingContext({});
  const running = executor('stubborn-tree.mjs', killGraceMs).execute(ctx);
  const reported = await eventually(() => ctx.progress.calls[0], 'the agent to report its PIDs');
  const pids = reported.pids as number[];
  t.is(pids.length, 3);
  t.true(pids.every(processIsRunning));

  const abortedAt = Date.now();
  ctx.controller.abort('cancel');
  const outcome = await running;
  t.true(Date.now() - abortedAt >= killGraceMs, 'SIGKILL must wait for the grace');
  t.is(outcome.kind, 'error');
  for (const pid of pids) await eventually(() => !processIsRunning(pid), `PID ${pid} to be gone`);
  t.pass();
});

test('an agent that exits on SIGTERM is not held for the grace, and the checkpoint it writes on the way out is kept', async (t) => {
  const ctx = recordingContext({ steps: 1000, stepMs: 50 });
  const running = executor('checkpointing.mjs', 120_000).execute(ctx);
  await eventually(() => ctx.checkpoints.length >= 2, 'two steps');
  ctx.controller.abort('interrupt');
  const outcome = await running;
  t.is(outcome.kind, 'error');
  const last = ctx.checkpoints.at(-1) as { step: number };
  t.true(last.step >= 2);
});

test('an agent resumes from the last checkpoint it is given', async (t) => {
  const outcome = await executor('checkpointing.mjs').execute(recordingContext({ steps: 3, stepMs: 1 }, { lastCheckpoint: { step: 2 } }));
  t.deepEqual(outcome, { kind: 'result', result: { steps: 3, resumedFrom: 2 } });
});

test('processes an agent leaves behind when it exits are killed', async (t) => {
  const ctx = recordingContext({});
  const outcome = await executor('leaves-orphan.mjs').execute(ctx);
  t.deepEqual(outcome, { kind: 'result', result: 'done' });
  const { pid } = ctx.progress.calls[0] as { pid: number };
  await eventually(() => !processIsRunning(pid), `orphan ${pid} to be gone`);
  t.pass();
});

test('a stdout line over the limit is dropped with a log line, and a result line over it fails the attempt', async (t) => {
  const small = new CommandExecutor(agent('protocol-agent.mjs'), { killGraceMs: 1000, baseEnv, maxLineLength: 100 });
  const chatty = recordingContext({ stdout: ['x'.repeat(500), { type: 'result', result: 'fine' }] });
  t.deepEqual(await small.execute(chatty), { kind: 'result', result: 'fine' });
  t.regex(chatty.logs[0]?.message ?? '', /over 100 characters dropped/);

  const huge = await small.execute(recordingContext({ stdout: [{ type: 'result', result: 'y'.repeat(500) }] }));
  t.like(huge, { kind: 'error', error: { type: 'result_too_large' }, retryable: false });
});
