import { execFileSync } from 'node:child_process';
import { descendantsIn, readProcessTable, type ProcStat } from '../proc-stat.js';

/**
 * CPU time and resident memory of a process tree, read from /proc (Linux). CPU counts what the tree
 * has used so far: each live process's own time plus what it collected from children it reaped, so a
 * command agent that has exited is still counted (in the worker's cutime/cstime) and nothing twice.
 */

/** The fields of a process-table row that usage is summed from. */
export type ProcUsage = Pick<ProcStat, 'pid' | 'ppid' | 'state' | 'cpuTicks' | 'rssPages'>;

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
  let ticks = root.cpuTicks;
  let descendantsPages = 0;
  let descendants = 0;
  for (const child of descendantsIn(table, rootPid)) {
    ticks += child.cpuTicks;
    descendantsPages += child.rssPages;
    if (child.state !== 'Z') descendants += 1;
  }
  return {
    cpuSeconds: ticks / units.ticksPerSecond,
    rootRssBytes: root.rssPages * units.pageBytes,
    descendantsRssBytes: descendantsPages * units.pageBytes,
    descendants,
  };
}

/** Reads the process table and measures one tree; the clock-tick and page sizes are asked of the system once. */
export class ProcTreeSampler {
  private readonly units = {
    ticksPerSecond: Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()),
    pageBytes: Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()),
  };

  constructor(private readonly rootPid: number) {}

  async sample(): Promise<TreeUsage | undefined> {
    return treeUsage(await readProcessTable(), this.rootPid, this.units);
  }
}
