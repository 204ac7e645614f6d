import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { loadAgentCatalog } from '../../services/core/agents/catalog.js';
import { AgentExecutors } from '../../services/worker/agents/agent-executors.js';
import { recordingContext } from './helpers/recording-context.js';

// The README's examples (examples/agents/agents.json) load and do what they say, through the real executors.
const catalog = loadAgentCatalog(fileURLToPath(new URL('../../examples/agents/agents.json', import.meta.url)));
const executors = new AgentExecutors(catalog, { killGraceMs: 2000, baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });

test('the example agents file declares its agents beside the built-in simulate', (t) => {
  t.deepEqual([...catalog.keys()].sort(), ['greet', 'load-test', 'page-title', 'simulate', 'word-count']);
  t.like(catalog.get('word-count'), { type: 'command', timeoutSeconds: 120, maxAttempts: 3 });
});

test('word-count counts words, checkpoints each line and resumes from a checkpoint', async (t) => {
  const fresh = recordingContext({ text: 'one two\nthree\nfour five six' });
  t.deepEqual(await executors.get('word-count')!.execute(fresh), { kind: 'result', result: { words: 6, lines: 3 } });
  t.deepEqual(fresh.checkpoints.at(-1), { line: 3, words: 6 });
  t.deepEqual(fresh.progress.calls.at(-1), { percent: 100 });

  const resumed = recordingContext({ text: 'one two\nthree\nfour five six' }, { attempt: 2, lastCheckpoint: { line: 2, words: 100 } });
  t.deepEqual(await executors.get('word-count')!.execute(resumed), { kind: 'result', result: { words: 103, lines: 3 } });
  const bad = await executors.get('word-count')!.execute(recordingContext({ text: 7 }));
  t.like(bad, { kind: 'error', error: { type: 'invalid_input' }, retryable: false });
});

test('greet, a shell command agent, answers with its configured greeting', async (t) => {
  const ctx = recordingContext({ name: 'Ada' });
  t.deepEqual(await executors.get('greet')!.execute(ctx), { kind: 'result', result: { message: 'Hello, Ada!' } });
  t.deepEqual(ctx.logs, [{ message: 'greeting Ada', fields: { stream: 'stderr' } }]);
});

test('page-title, a module agent, fetches a page and returns its title', async (t) => {
  const server = createServer((_, response) => response.end('<html><head><title> Local page </title></head></html>'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  t.deepEqual(await executors.get('page-title')!.execute(recordingContext({ url })), { kind: 'result', result: { url, title: 'Local page' } });
  t.like(await executors.get('page-title')!.execute(recordingContext({})), { kind: 'error', error: { type: 'invalid_input' }, retryable: false });
});
