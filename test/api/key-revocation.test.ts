import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { runAgentfleet } from '../support/cli.js';
import { waitFor } from '../support/ports.js';
import { ApiClient, startApiHarness, type ApiHarness } from './helpers/api-harness.js';

// Two real API instances on one Redis: the harness's (in this process) and `agentfleet api` as a
// process of its own, logging at trace so its log lines can be searched for the key. Keys are
// created, listed and revoked with the `agentfleet keys` commands, as an operator would.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let first: ApiHarness;
let second: { url: string; child: ChildProcess; log: () => string };

test.before(async () => {
  first = await startApiHarness();
  const child = spawn(process.execPath, ['bin/agentfleet.js', 'api'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: first.config.REDIS_URL, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'trace', AGENTFLEET_BOOTSTRAP_KEYS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGKILL'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const listening = /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"api listening"/;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`agentfleet api exited with ${child.exitCode}: ${output}`);
    return listening.test(output);
  }, 'the second API to listen', 60_000);
  second = { url: listening.exec(output)![1]!, child, log: () => output };
});

test.after.always(async () => {
  if (second?.child.exitCode === null) {
    const exited = new Promise((resolve) => second.child.once('exit', resolve));
    second.child.kill('SIGTERM');
    await exited;
  }
  await first?.close();
});

async function keysCommand(args: string[], logLevel = 'info') {
  const result = await runAgentfleet(['keys', ...args], { REDIS_URL: first.config.REDIS_URL, LOG_LEVEL: logLevel }, 60_000);
  if (result.code !== 0) throw new Error(`agentfleet keys ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result;
}

test('a revoked key is refused at once by every API process, and keys never reach a log', async (t) => {
  const created = await keysCommand(['create', '--tenant', 'revoke-me', '--json'], 'trace');
  const { id, key } = JSON.parse(created.stdout) as { id: string; key: string };
  t.regex(created.stderr, new RegExp(`"keyId":"${id}"`), 'keys create logs which key it made (on stderr, at debug)');
  t.false(created.stderr.includes(key), 'keys create never logs the key');

  const onFirst = new ApiClient(first.url, 'revoke-me', key);
  const onSecond = new ApiClient(second.url, 'revoke-me', key);
  // Twice each, so both processes answer the second request from their caches.
  for (const client of [onFirst, onSecond, onFirst, onSecond]) t.is((await client.get('/v1/runs')).status, 200);

  const listed = JSON.parse((await keysCommand(['list', '--tenant', 'revoke-me', '--json'])).stdout) as { keys: Record<string, unknown>[] };
  t.is(listed.keys.length, 1);
  t.like(listed.keys[0], { id, tenant: 'revoke-me' });
  t.truthy(listed.keys[0]?.lastUsedAt, 'last use was recorded');
  t.deepEqual(Object.keys(listed.keys[0] ?? {}).sort(), ['createdAt', 'id', 'lastUsedAt', 'tenant']);

  const revoked = await keysCommand(['revoke', id]);
  t.regex(revoked.stdout, new RegExp(`revoked ${id}`));
  const [afterOnFirst, afterOnSecond] = await Promise.all([onFirst.get('/v1/runs'), onSecond.get('/v1/runs')]);
  t.is(afterOnSecond.status, 401, 'the second API process refuses the revoked key on the very next request');
  t.is(afterOnFirst.status, 401);
  t.deepEqual(JSON.parse((await keysCommand(['list', '--tenant', 'revoke-me', '--json'])).stdout), { keys: [] });

  const log = second.log();
  t.regex(log, /"authorization":"\[redacted\]"/, 'the trace log of a request carried its (redacted) Authorization header');
  t.regex(log, new RegExp(`"keyId":"${id}".*API key revoked`));
  t.false(log.includes(key), 'the key appears nowhere in the API log');
});

test('keys revoke of an unknown id fails naming it; keys list prints a table without keys', async (t) => {
  const unknown = await runAgentfleet(['keys', 'revoke', 'key_0000000000000000'], { REDIS_URL: first.config.REDIS_URL }, 60_000);
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^agentfleet: KEY_ID: no API key has the id "key_0000000000000000"/);

  const { key } = JSON.parse((await keysCommand(['create', '--tenant', 'tabled', '--json'])).stdout) as { key: string };
  const table = (await keysCommand(['list', '--tenant', 'tabled'])).stdout.trimEnd().split('\n');
  t.regex(table[0] ?? '', /^ID\s+TENANT\s+CREATED\s+LAST USED$/);
  t.is(table.length, 2);
  t.regex(table[1] ?? '', /^key_[0-9a-f]{16}\s+tabled\s+\S+Z\s+never$/);
  t.false(table.join('\n').includes(key));
});
