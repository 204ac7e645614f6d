import test from 'ava';
import { fileURLToPath } from 'node:url';
import { ModuleExecutor } from '../../services/worker/agents/module.js';
import { recordingContext } from './helpers/recording-context.js';

// The module executor on its own: real modules imported from test/fixtures/agents.
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/agents/${name}`, import.meta.url));

test('a module agent gets its input and context and its return value is the result', async (t) => {
  const ctx = recordingContext({ question: 6 }, { runId: 'run-7', attempt: 2, lastCheckpoint: { savedBy: 1 } });
  const outcome = await new ModuleExecutor(fixture('echo-module.mjs'), 1000).execute(ctx);
  t.deepEqual(outcome, {
    kind: 'result',
    result: { input: { question: 6 }, runId: 'run-7', attempt: 2, lastCheckpoint: { savedBy: 1 } },
  });
  t.deepEqual(ctx.logs, [{ message: 'hello from a module', fields: { attempt: 2 } }]);
  t.deepEqual(ctx.progress.calls, [{ percent: 50 }]);
  t.deepEqual(ctx.checkpoints, [{ savedBy: 2 }]);
});

test('a thrown error fails the attempt; retryable:false and a type on the error are honoured', async (t) => {
  const executor = new ModuleExecutor(fixture('echo-module.mjs'), 1000);
  const plain = await executor.execute(recordingContext({ throw: { message: 'flaky upstream' } }));
  t.deepEqual(plain, { kind: 'error', error: { type: 'agent_error', message: 'flaky upstream' }, retryable: true });
  const final = await executor.execute(recordingContext({ throw: { message: 'no such repo', type: 'not_found', retryable: false } }));
  t.deepEqual(final, { kind: 'error', error: { type: 'not_found', message: 'no such repo' }, retryable: false });
});

test('a module that ignores the abort signal is abandoned after the grace', async (t) => {
  const killGraceMs = 300;
  const ctx = recordingContext({});
  const running = new ModuleExecutor(fixture('deaf-module.mjs'), killGraceMs).execute(ctx);
  const abortedAt = Date.now();
  ctx.controller.abort('timeout');
  const outcome = await running;
  t.true(Date.now() - abortedAt >= killGraceMs - 5);
  t.like(outcome, { kind: 'error', error: { type: 'abandoned' } });
});

test('a module that stops on abort is not held for the grace', async (t) => {
  const ctx = recordingContext({ durationMs: 600_000 });
  const running = new ModuleExecutor(fixture('echo-module.mjs'), 600_000).execute(ctx);
  ctx.controller.abort('cancel');
  t.like(await running, { kind: 'error', error: { message: 'aborted' } });
});

test('a module without a run export and a missing module fail without retry', async (t) => {
  const noRun = await new ModuleExecutor(fixture('no-run-module.mjs'), 100).execute(recordingContext({}));
  t.like(noRun, { kind: 'error', error: { type: 'agent_module_invalid' }, retryable: false });
  t.regex(noRun.kind === 'error' ? noRun.error.message : '', /does not export a function "run"/);
  const missing = await new ModuleExecutor(fixture('does-not-exist.mjs'), 100).execute(recordingContext({}));
  t.like(missing, { kind: 'error', error: { type: 'agent_module_invalid' }, retryable: false });
});
