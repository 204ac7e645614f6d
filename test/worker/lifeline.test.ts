import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { CommandExecutor } from '../../services/worker/agents/command.js';
import {
  Lifeline,
  releaseLine,
  restartDelayMs,
  WatchedGroups,
  watchLine,
  WATCHER_NAME,
  WATCHER_SCRIPT,
} from '../../services/worker/agents/lifeline.js';
import { identityOf, type ProcessIdentity } from '../../services/worker/agents/process-tree.js';
import { membersOf, processIsRunning } from './helpers/processes.js';
import { eventually, recordingContext } from './helpers/recording-context.js';

// The lifeline's bookkeeping on its own, its watcher script in a real /bin/sh against real process
// groups, and the Lifeline class with real agents.

const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

interface AgentGroup {
  leader: ProcessIdentity;
  /** The leader and its child, both in the group. */
  pids: number[];
}

const started: AgentGroup[] = [];
test.after.always(async () => {
  for (const group of started) {
    // Only a group whose leader is still the one started here: a gone group's number may be someone else's now.
    if ((await identityOf(group.leader.pid))?.startTime !== group.leader.startTime) continue;
    try {
      process.kill(-group.leader.pid, 'SIGKILL');
    } catch {
      // It went in the meantime.
    }
  }
});

const scratch = mkdtempSync(join(tmpdir(), 'agentfleet-lifeline-'));
test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A process group like a command agent's: a shell leading it and a child in it, both asleep. On SIGTERM
 * it dies, or ignores it (`ignoreTerm`), or writes `onTerm` into a file and exits.
 */
async function startGroup(options: { ignoreTerm?: boolean; onTerm?: string } = {}): Promise<AgentGroup> {
  const trap = options.ignoreTerm ? "trap '' TERM; " : options.onTerm ? `trap 'echo term > ${options.onTerm}; exit 0' TERM; ` : '';
  const child = spawn('/bin/sh', ['-c', `${trap}sleep 600 & echo $!; wait`], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
  child.stdout!.destroy();
  child.unref();
  const leader = await identityOf(child.pid!);
  if (!leader) throw new Error('the group leader vanished');
  const group = { leader, pids: [child.pid!, Number(chunk.toString().trim())] };
  started.push(group);
  return group;
}

function groupIsGone(group: AgentGroup): boolean {
  return group.pids.every((pid) => !processIsRunning(pid)) && membersOf(group.leader.pid).length === 0;
}

function groupIsIntact(group: AgentGroup): boolean {
  return group.pids.every((pid) => processIsRunning(pid));
}

/** True once the process ignores SIGHUP (1), SIGINT (2) and SIGTERM (15): the SigIgn mask of /proc/<pid>/status. */
function ignoresHupIntTerm(pid: number): boolean {
  const mask = /^SigIgn:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  const wanted = (1n << 0n) | (1n << 1n) | (1n << 14n);
  return mask !== undefined && (BigInt(`0x${mask}`) & wanted) === wanted;
}

/** The watcher script as the Lifeline runs it, fed by the test. */
function startWatcher(): ChildProcess {
  return spawn('/bin/sh', ['-c', WATCHER_SCRIPT, WATCHER_NAME], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
}

async function endInput(watcher: ChildProcess): Promise<number | null> {
  const exited = once(watcher, 'exit') as Promise<[number | null]>;
  watcher.stdin!.end();
  return (await exited)[0];
}

/** A logger whose lines the test reads. */
function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  const watcherPids = () => lines.filter((l) => l.msg === 'agent lifeline watcher started').map((l) => l.pid as number);
  return { logger, lines, watcherPids };
}

test('the bookkeeping tells the watcher each group, forgets released ones, and replays the rest to a fresh watcher', (t) => {
  const groups = new WatchedGroups();
  const a = { pid: 4101, startTime: '880' };
  const b = { pid: 4102, startTime: '881' };
  t.is(groups.watch(a), '+ 4101 880\n');
  t.is(groups.watch(b), watchLine(b));
  t.is(groups.release(4101), releaseLine(4101));
  t.is(groups.release(4101), undefined, 'a group is released once');
  t.is(groups.release(9999), undefined, 'an unknown group is not announced');
  t.is(groups.replay(), '+ 4102 881\n');

  const recycled = { pid: 4102, startTime: '990' };
  groups.watch(recycled);
  t.is(groups.replay(), watchLine(recycled), 'a new group with the same number replaces the old one');
  t.deepEqual(groups.pgids, [4102]);
  groups.release(4102);
  t.is(groups.replay(), '');
});

test('a watcher that keeps dying young is restarted ever later, up to a cap; one that lived long is restarted at once', (t) => {
  t.is(restartDelayMs(0), 0);
  const delays = [1, 2, 3, 4, 5].map(restartDelayMs);
  for (let i = 1; i < delays.length; i++) t.true(delays[i]! > delays[i - 1]!, `delay after ${i + 1} failures grows`);
  t.true(delays[0]! > 0);
  t.is(restartDelayMs(1000), restartDelayMs(60), 'the delay is capped');
  t.true(Number.isFinite(restartDelayMs(1000)));
});

test('at the end of its input the watcher SIGKILLs every group still watched, with no SIGTERM to catch or ignore, and exits', async (t) => {
  const marker = join(scratch, 'terminated');
  const catching = await startGroup({ onTerm: marker });
  const deaf = await startGroup({ ignoreTerm: true });
  const watcher = startWatcher();
  watcher.stdin!.write(watchLine(catching.leader) + watchLine(deaf.leader));
  t.is(await endInput(watcher), 0);
  await eventually(() => groupIsGone(catching) && groupIsGone(deaf), 'both groups to be gone');
  t.false(existsSync(marker), 'no SIGTERM: nothing reads the agent any more, so its handler would only prolong it');
});

test('the watcher spares released groups, a leader whose pid now belongs to another process, and lines it cannot read', async (t) => {
  const released = await startGroup();
  const recycled = await startGroup();
  const watched = await startGroup();
  const watcher = startWatcher();
  watcher.stdin!.write(
    [
      watchLine(released.leader),
      watchLine({ pid: recycled.leader.pid, startTime: `${recycled.leader.startTime}1` }),
      watchLine(watched.leader),
      'kill everything\n',
      '+ 1x 5\n',
      `+ ${process.pid}\n`,
      '+ -1 5\n',
      // Group 0 is the watcher's own: were it killed, the watcher would not exit with 0.
      '+ 0 5\n',
      releaseLine(released.leader.pid),
    ].join(''),
  );
  t.is(await endInput(watcher), 0);
  // The watcher kills before it exits: what is alive now was spared.
  await eventually(() => groupIsGone(watched), 'the watched group to be gone');
  t.true(groupIsIntact(released), 'a released group is not killed');
  t.true(groupIsIntact(recycled), 'a pid with another start time is someone else');
  t.true(processIsRunning(process.pid));
});

test('the watcher outlives SIGTERM, SIGINT and SIGHUP: only the end of its input ends it', async (t) => {
  const group = await startGroup();
  const watcher = startWatcher();
  watcher.stdin!.write(watchLine(group.leader));
  await eventually(() => ignoresHupIntTerm(watcher.pid!), 'the watcher to have set its traps');
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) watcher.kill(signal);
  // A round trip through the watcher: it still reads its input and still kills at the end.
  t.is(await endInput(watcher), 0);
  await eventually(() => groupIsGone(group), 'the group to be gone');
  t.is(watcher.signalCode, null);
});

test('a command agent is watched while it runs and forgotten once it is over, whether it exits or is stopped', async (t) => {
  const lifeline = new Lifeline(recordingLogger().logger);
  t.teardown(() => lifeline.close());
  const agent = (script: string) =>
    new CommandExecutor({ type: 'command', command: ['/bin/sh', '-c', script] }, { killGraceMs: 1000, baseEnv, lifeline });

  const finishing = recordingContext(null);
  t.deepEqual(await agent('read line; echo \'{"type":"result","result":"done"}\'').execute(finishing), { kind: 'result', result: 'done' });
  t.deepEqual(lifeline.watching, []);

  const stopped = recordingContext(null);
  const running = agent('echo started; exec sleep 600').execute(stopped);
  await eventually(() => stopped.logs.length > 0, 'the agent to start');
  const [pgid] = await eventually(() => (lifeline.watching.length === 1 ? lifeline.watching : undefined), 'the agent to be watched');
  t.true(processIsRunning(pgid!));
  stopped.controller.abort();
  await running;
  t.deepEqual(lifeline.watching, []);
});

test('a killed watcher is replaced and told every watched group; closing the lifeline kills what is still watched and ends the watcher', async (t) => {
  const { logger, lines, watcherPids } = recordingLogger();
  const lifeline = new Lifeline(logger);
  t.teardown(() => lifeline.close());
  const group = await startGroup();
  lifeline.watch(group.leader.pid);
  const [first] = await eventually(() => (watcherPids().length === 1 ? watcherPids() : undefined), 'a watcher to start');

  process.kill(first!, 'SIGKILL');
  const [, second] = await eventually(() => (watcherPids().length === 2 ? watcherPids() : undefined), 'another watcher to start');
  t.not(second, first);
  t.like(
    lines.find((l) => l.level === 40),
    { signal: 'SIGKILL', watching: 1 },
  );
  t.true(groupIsIntact(group), 'a dying watcher kills nothing');

  lifeline.close();
  await eventually(() => groupIsGone(group), 'the group the new watcher was told of to be gone');
  await eventually(() => !processIsRunning(second!), 'the watcher to exit');
  t.pass();
});

test('a lifeline that never watched anything starts no watcher, and one whose groups are all released kills nothing on close', async (t) => {
  const { logger, watcherPids } = recordingLogger();
  const idle = new Lifeline(logger);
  idle.close();

  const lifeline = new Lifeline(logger);
  const group = await startGroup();
  lifeline.watch(group.leader.pid);
  const [watcher] = await eventually(() => (watcherPids().length === 1 ? watcherPids() : undefined), 'a watcher to start');
  lifeline.release(group.leader.pid);
  lifeline.close();
  await eventually(() => !processIsRunning(watcher!), 'the watcher to exit');
  t.true(groupIsIntact(group));
  t.is(watcherPids().length, 1, 'the idle lifeline started none');
});
