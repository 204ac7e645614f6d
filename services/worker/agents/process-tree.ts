import { readdir, readFile } from 'node:fs/promises';

/**
 * Killing a command agent's whole process tree. The agent runs as the leader of its own process group,
 * so one `kill(-pgid)` reaches every descendant that stayed in the group. Descendants that left it
 * (`setsid`, daemonizing) are found through /proc (Linux) while their ancestors are still alive, and
 * are remembered with their start time so a recycled PID is never signalled by mistake.
 */

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22). */
  startTime: string;
}

interface ProcStat {
  pid: number;
  ppid: number;
  startTime: string;
  state: string;
}

/** Parses /proc/<pid>/stat; the command name may contain spaces and parentheses, so split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const rest = text.slice(close + 2).split(' ');
  const state = rest[0];
  const ppid = Number(rest[1]);
  const startTime = rest[19];
  if (!Number.isInteger(pid) || !state || !Number.isInteger(ppid) || !startTime) return undefined;
  return { pid, ppid, startTime, state };
}

async function readStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Snapshots of the process table are shared for a moment, so killing many trees at once reads /proc once. */
const SNAPSHOT_TTL_MS = 250;
let snapshot: { at: number; table: Promise<ProcStat[]> } | undefined;

async function readProcessTable(): Promise<ProcStat[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(names.filter((name) => /^\d+$/.test(name)).map((name) => readStat(Number(name))));
  return stats.filter((stat): stat is ProcStat => stat !== undefined);
}

function processTable(): Promise<ProcStat[]> {
  const now = Date.now();
  if (!snapshot || now - snapshot.at > SNAPSHOT_TTL_MS) snapshot = { at: now, table: readProcessTable() };
  return snapshot.table;
}

/** Every live descendant of `pid` (children, grandchildren, ...), wherever its process group. */
export async function descendantsOf(pid: number): Promise<ProcessIdentity[]> {
  const table = await processTable();
  const children = new Map<number, ProcStat[]>();
  for (const stat of table) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat);
    else children.set(stat.ppid, [stat]);
  }
  const found: ProcessIdentity[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      if (child.state !== 'Z') found.push({ pid: child.pid, startTime: child.startTime });
      stack.push(child.pid);
    }
  }
  return found;
}

function signal(target: number, name: NodeJS.Signals): void {
  try {
    process.kill(target, name);
  } catch {
    // ESRCH: already gone. EPERM cannot happen for our own descendants.
  }
}

/** The identity of `pid` now, or undefined when there is no such process (or no /proc). */
export async function identityOf(pid: number): Promise<ProcessIdentity | undefined> {
  const stat = await readStat(pid);
  return stat && { pid: stat.pid, startTime: stat.startTime };
}

/** True while the process exists and is not a zombie. */
export async function isAlive(identity: ProcessIdentity): Promise<boolean> {
  const stat = await readStat(identity.pid);
  return stat !== undefined && stat.startTime === identity.startTime && stat.state !== 'Z';
}

/**
 * Signals the process group led by `leaderPid` and every remembered or currently visible descendant.
 * Returns the descendants it knows of, so a later SIGKILL reaches those that left the group even
 * after their parent died.
 */
export async function signalTree(
  leaderPid: number,
  name: NodeJS.Signals,
  known: readonly ProcessIdentity[] = [],
): Promise<ProcessIdentity[]> {
  const byPid = new Map(known.map((p) => [p.pid, p]));
  // Look before signalling: once the leader dies, escaped descendants are reparented out of sight.
  for (const p of await descendantsOf(leaderPid)) byPid.set(p.pid, p);
  signal(-leaderPid, name);
  const identities = [...byPid.values()];
  await Promise.all(
    identities.map(async (p) => {
      if (await isAlive(p)) signal(p.pid, name);
    }),
  );
  return identities;
}

/**
 * After the leader has exited: SIGKILL what is left of its group and the remembered escapees. No
 * /proc walk here: the leader's PID is free again and could belong to someone else's tree.
 */
export async function killLeftovers(leaderPid: number, known: readonly ProcessIdentity[]): Promise<void> {
  signal(-leaderPid, 'SIGKILL');
  await Promise.all(
    known.map(async (p) => {
      if (await isAlive(p)) signal(p.pid, 'SIGKILL');
    }),
  );
}
