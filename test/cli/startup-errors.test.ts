import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runAgentfleet, type CliExit } from '../support/cli.js';

// Start-up errors the operator fixes (a bad AGENTS_FILE, a bad variable) end `agentfleet` with one
// line naming the problem and exit code 1, never a stack trace. The CLI runs as a process, as a
// user or a container runtime starts it. Redis points at a closed port: nothing here should get that far.

const dir = mkdtempSync(join(tmpdir(), 'agentfleet-cli-'));
const badAgents = join(dir, 'agents.json');
writeFileSync(badAgents, JSON.stringify({ agents: { greeter: { type: 'telepathy' } } }));
const notJson = join(dir, 'not-json.json');
writeFileSync(notJson, '{"agents": ');
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** `agentfleet` with Redis on a closed port, quiet logs, and a dev key given (so `agentfleet dev` writes none into the checkout). */
function agentfleet(args: string[], env: NodeJS.ProcessEnv): Promise<CliExit> {
  return runAgentfleet(args, { REDIS_URL: 'redis://127.0.0.1:1', AGENTFLEET_BOOTSTRAP_KEYS: 'dev:test-key-0123456789abcdef', LOG_LEVEL: 'silent', ...env });
}

const literally = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

function assertOneLineFailure(t: import('ava').ExecutionContext, exit: CliExit, problem: RegExp): void {
  t.is(exit.code, 1, `exit code (stderr: ${exit.stderr})`);
  const lines = exit.stderr.trimEnd().split('\n');
  t.is(lines.length, 1, `one line on stderr, got:\n${exit.stderr}`);
  t.regex(lines[0] ?? '', problem);
  t.notRegex(exit.stderr, /\n\s+at /, 'no stack trace');
}

for (const command of [['worker'], ['api'], ['scaler', '--local'], ['dev', '--port', '0']]) {
  test(`agentfleet ${command.join(' ')} with an invalid AGENTS_FILE prints one line naming the file and the field, and exits 1`, async (t) => {
    const exit = await agentfleet(command, { AGENTS_FILE: badAgents });
    assertOneLineFailure(t, exit, new RegExp(`^agentfleet: AGENTS_FILE ${literally(badAgents)}: agents\\.greeter\\.type: `));
  });
}

test('agentfleet worker with an AGENTS_FILE that does not exist names the file', async (t) => {
  const missing = join(dir, 'missing.json');
  assertOneLineFailure(t, await agentfleet(['worker'], { AGENTS_FILE: missing }), new RegExp(`^agentfleet: AGENTS_FILE ${literally(missing)}: ENOENT`));
});

test('agentfleet api with an input schema Ajv cannot compile names the agent and stops', async (t) => {
  const badSchema = join(dir, 'bad-schema.json');
  writeFileSync(badSchema, JSON.stringify({ agents: { summarise: { type: 'simulate', inputSchema: { type: 'object', required: 'text' } } } }));
  assertOneLineFailure(t, await agentfleet(['api'], { AGENTS_FILE: badSchema }), new RegExp(`^agentfleet: AGENTS_FILE ${literally(badSchema)}: agents\\.summarise\\.inputSchema: `));
});

test('agentfleet api with an AGENTS_FILE that is not JSON names the file', async (t) => {
  assertOneLineFailure(t, await agentfleet(['api'], { AGENTS_FILE: notJson }), new RegExp(`^agentfleet: AGENTS_FILE ${literally(notJson)}: .*JSON`));
});

test('agentfleet worker with several bad variables names each of them on one line', async (t) => {
  const exit = await agentfleet(['worker'], { WORKER_SLOTS: '0', QUEUE_DRIVER: 'kafka' });
  assertOneLineFailure(t, exit, /^agentfleet: invalid configuration: /);
  t.regex(exit.stderr, /WORKER_SLOTS: /);
  t.regex(exit.stderr, /QUEUE_DRIVER: /);
});

test('agentfleet scaler with a bad scaler variable names it', async (t) => {
  const exit = await agentfleet(['scaler', '--local'], { LOCAL_MIN_WORKERS: '9', LOCAL_MAX_WORKERS: '2' });
  assertOneLineFailure(t, exit, /^agentfleet: invalid configuration: LOCAL_MIN_WORKERS: must not exceed LOCAL_MAX_WORKERS$/);
});
