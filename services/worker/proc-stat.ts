import { readdir, readFile } from 'node:fs/promises';

/**
 * The Linux process table as /proc shows it. One parser and one tree walk serve both the worker's
 * tree-killing (agents/process-tree.ts) and the profiler's usage sampling (profile/proc-usage.ts).
 */

export interface ProcStat {
  pid: number;
  ppid: number;
  state: string;
  /** Start time in clock ticks since boot (field 22); with the pid, names a process for good. */
  startTime: string;
  /** utime + stime + cutime + cstime (fields 14-17), in clock ticks. */
  cpuTicks: number;
  /** Resident set size (field 24), in pages. */
  rssPages: number;
}

/** Parses /proc/<pid>/stat; the command name may hold spaces and ')', so fields are split after the last ')'. */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const rest = text.slice(close + 2).trim().split(' ');
  const field = (n: number) => Number(rest[n - 3]);
  const state = rest[0];
  const startTime = rest[22 - 3];
  const ppid = field(4);
  const cpuTicks = field(14) + field(15) + field(16) + field(17);
  const rssPages = field(24);
  if (!Number.isInteger(pid) || !state || !Number.isInteger(ppid) || !startTime) return undefined;
  if (!Number.isFinite(cpuTicks) || !Number.isFinite(rssPages)) return undefined;
  return { pid, ppid, state, startTime, cpuTicks, rssPages };
}

export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process visible now; empty where there is no /proc. */
export async function readProcessTable(): Promise<ProcStat[]> {
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const stats = await Promise.all(names.filter((name) => /^\d+$/.test(name)).map((name) => readProcStat(Number(name))));
  return stats.filter((stat): stat is ProcStat => stat !== undefined);
}

/** Every descendant of `rootPid` in `table` (children, grandchildren, ...), zombies included. */
export function descendantsIn<P extends { pid: number; ppid: number }>(table: readonly P[], rootPid: number): P[] {
  const children = new Map<number, P[]>();
  for (const p of table) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const found: P[] = [];
  const stack = [rootPid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      found.push(child);
      stack.push(child.pid);
    }
  }
  return found;
}
