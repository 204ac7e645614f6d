import { execFileSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/**
 * CPU time and resident memory of a process tree, read from /proc (Linux). CPU counts what the tree
 * has used so far: each live process's own time plus what it collected from children it reaped, so a
 * command agent that has exited is still counted (in the worker's cutime/cstime) and nothing twice.
 */

export interface ProcUsage {
  pid: number;
  ppid: number;
  state: string;
  /** utime + stime + cutime + cstime, in clock ticks. */
  cpuTicks: number;
  rssPages: number;
}

/** Fields of /proc/<pid>/stat; the command name may hold spaces and ')', so fields are split after the last ')'. */
export function parseProcUsage(text: string): ProcUsage | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  // rest[0] is field 3 (state); field n is rest[n - 3].
  const rest = text.slice(close + 2).trim().split(' ');
  const field = (n: number) => Number(rest[n - 3]);
  const usage = { pid, ppid: field(4), state: rest[0] ?? '', cpuTicks: field(14) + field(15) + field(16) + field(17), rssPages: field(24) };
  return Number.isInteger(pid) && Number.isFinite(usage.cpuTicks) && Number.isFinite(usage.rssPages) && Number.isInteger(usage.ppid) ? usage : undefined;
}

export interface TreeUsage {
  cpuSeconds: number;
  rootRssBytes: number;
  descendantsRssBytes: number;
  descendants: number;
}

/** Sums the usage of `rootPid` and its descendants out of one snapshot of the process table. */
export function treeUsage(table: readonly ProcUsage[], rootPid: number, units: { ticksPerSecond: number; pageBytes: number }): TreeUsage | undefined {
  const root = table.find((p) => p.pid === rootPid);
  if (!root) return undefined;
  const children = new Map<number, ProcUsage[]>();
  for (const p of table) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  let ticks = root.cpuTicks;
  let descendantsPages = 0;
  let descendants = 0;
  const stack = [rootPid];
  while (stack.length > 0) {
    for (const child of children.get(stack.pop()!) ?? []) {
      ticks += child.cpuTicks;
      descendantsPages += child.rssPages;
      if (child.state !== 'Z') descendants += 1;
      stack.push(child.pid);
    }
  }
  return {
    cpuSeconds: ticks / units.ticksPerSecond,
    rootRssBytes: root.rssPages * units.pageBytes,
    descendantsRssBytes: descendantsPages * units.pageBytes,
    descendants,
  };
}

async function readUsage(pid: string): Promise<ProcUsage | undefined> {
  try {
    return parseProcUsage(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Reads the process table and measures one tree; the clock-tick and page sizes are asked of the system once. */
export class ProcTreeSampler {
  private readonly units = {
    ticksPerSecond: Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()),
    pageBytes: Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()),
  };

  constructor(private readonly rootPid: number) {}

  async sample(): Promise<TreeUsage | undefined> {
    const names = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
    const table = (await Promise.all(names.map(readUsage))).filter((p): p is ProcUsage => p !== undefined);
    return treeUsage(table, this.rootPid, this.units);
  }
}
