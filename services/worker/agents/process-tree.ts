import { descendantsIn, readProcessTable, readProcStat, type ProcStat } from '../proc-stat.js';

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

/** Snapshots of the process table are shared for a moment, so killing many trees at once reads /proc once. */
const SNAPSHOT_TTL_MS = 250;
let snapshot: { at: number; table: Promise<ProcStat[]> } | undefined;

function processTable(): Promise<ProcStat[]> {
  const now = Date.now();
  if (!snapshot || now - snapshot.at > SNAPSHOT_TTL_MS) snapshot = { at: now, table: readProcessTable() };
  return snapshot.table;
}

/** Every live descendant of `pid` (children, grandchildren, ...), wherever its process group. */
export async function descendantsOf(pid: number): Promise<ProcessIdentity[]> {
  return descendantsIn(await processTable(), pid)
    .filter((child) => child.state !== 'Z')
    .map((child) => ({ pid: child.pid, startTime: child.startTime }));
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
  const stat = await readProcStat(pid);
  return stat && { pid: stat.pid, startTime: stat.startTime };
}

/** True while the process exists and is not a zombie. */
export async function isAlive(identity: ProcessIdentity): Promise<boolean> {
  const stat = await readProcStat(identity.pid);
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
