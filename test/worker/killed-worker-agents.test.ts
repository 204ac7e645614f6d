import test, { type ExecutionContext } from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WATCHER_NAME } from '../../services/worker/agents/lifeline.js';
import { descendantsOf } from '../../services/worker/agents/process-tree.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness } from './helpers/harness.js';
import { membersOf, processIsRunning } from './helpers/processes.js';
import { eventually } from './helpers/recording-context.js';

// A real `agentfleet worker` process, SIGKILLed while a command agent runs: no handler runs in the
// worker, and the agent's process group must still go (its lifeline kills it).

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

/** A shell leading the agent's group and a `sleep` in it; it writes both pids, then waits. */
function sleeperScript(options: { ignoreTerm: boolean }): string {
  const trap = options.ignoreTerm ? "trap '' TERM; " : '';
  return `${trap}sleep 600 & echo "$$ $!" > "$PIDS_FILE.tmp" && mv "$PIDS_FILE.tmp" "$PIDS_FILE"; wait`;
}

/** An agents file of the test's own, in a temporary directory removed at the end. */
function sleeperAgents(t: ExecutionContext, options: { ignoreTerm: boolean }): { agentsFile: string; pidsFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-lifeline-'));
  const pidsFile = join(dir, 'pids');
  const agentsFile = join(dir, 'agents.json');
  const agents = { sleeper: { type: 'command', command: ['/bin/sh', '-c', sleeperScript(options)], env: { PIDS_FILE: pidsFile } } };
  writeFileSync(agentsFile, JSON.stringify({ agents }));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return { agentsFile, pidsFile };
}

function readPids(file: string): number[] | undefined {
  try {
    return readFileSync(file, 'utf8').trim().split(' ').map(Number);
  } catch {
    return undefined;
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

for (const ignoreTerm of [false, true]) {
  const agentKind = ignoreTerm ? 'an agent that ignores SIGTERM' : 'a sleeping agent';
  test(`a SIGKILLed worker leaves nothing of ${agentKind}: its whole process group and the lifeline are gone`, async (t) => {
    const { agentsFile, pidsFile } = sleeperAgents(t, { ignoreTerm });
    const h = harness(t, { redisUrl: redis.url });
    const worker = await h.startWorkerProcess({ AGENTS_FILE: agentsFile, WORKER_SLOTS: '2' });
    t.teardown(() => {
      for (const pid of readPids(pidsFile) ?? []) if (processIsRunning(pid)) process.kill(pid, 'SIGKILL');
    });
    const run = await h.submit('sleeper', {}, { timeoutSeconds: 600 });
    const [leader, sleeper] = await eventually(() => readPids(pidsFile), 'the agent to write its pids', 60_000);
    t.is((await h.get(run.id)).status, 'running');
    t.deepEqual(membersOf(leader!).sort(), [leader, sleeper].sort(), 'the agent leads its own group');
    const lifeline = await eventually(
      async () => (await descendantsOf(worker.child.pid!)).find((p) => commandLine(p.pid).includes(WATCHER_NAME)),
      'the lifeline watcher to start',
    );

    worker.child.kill('SIGKILL');
    await worker.exited;
    await eventually(() => membersOf(leader!).length === 0 && !processIsRunning(leader!) && !processIsRunning(sleeper!), "the agent's group to be gone", 30_000);
    await eventually(() => !processIsRunning(lifeline.pid), 'the lifeline watcher to exit', 30_000);
    t.pass();
  });
}

test('a worker that stops normally stops its agents itself and ends its lifeline', async (t) => {
  const { agentsFile, pidsFile } = sleeperAgents(t, { ignoreTerm: false });
  const h = harness(t, { redisUrl: redis.url });
  const worker = await h.startWorkerProcess({ AGENTS_FILE: agentsFile, SHUTDOWN_GRACE_SECONDS: '1' });
  t.teardown(() => {
    for (const pid of readPids(pidsFile) ?? []) if (processIsRunning(pid)) process.kill(pid, 'SIGKILL');
  });
  const run = await h.submit('sleeper', {}, { timeoutSeconds: 600 });
  const [leader] = await eventually(() => readPids(pidsFile), 'the agent to write its pids', 60_000);
  const lifeline = await eventually(
    async () => (await descendantsOf(worker.child.pid!)).find((p) => commandLine(p.pid).includes(WATCHER_NAME)),
    'the lifeline watcher to start',
  );

  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
  // The drain interrupted the agent and saw it end (the attempt is recorded), before the lifeline closed.
  t.false(processIsRunning(leader!));
  t.like((await h.get(run.id)).attempts[0], { outcome: 'interrupted' });
  await eventually(() => !processIsRunning(lifeline.pid), 'the lifeline watcher to exit', 30_000);
  t.pass();
});
