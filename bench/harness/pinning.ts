import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readAllowedCpus } from './proc-stats.js';
import type { PinningReport } from './result.js';

/**
 * Keeps the process under test and the load generator on different cores with `taskset`, so the
 * server's figure is what one core can do. On two cores Redis (and fauxqs) share the load
 * generator's core; with more, they get their own. Where pinning is impossible the plan says why
 * and every process runs wherever the kernel puts it.
 */
export interface CpuPlan {
  pinned: boolean;
  reason?: string;
  /** CPU list for the process under test (API, worker, ceiling servers). */
  server?: string;
  /** CPU list for this process, which generates load. */
  load?: string;
  /** CPU list for Redis and fauxqs. */
  backing?: string;
}

export function planCpus(): CpuPlan {
  if (process.platform !== 'linux') return { pinned: false, reason: `taskset needs Linux, this is ${process.platform}` };
  if (!hasTaskset()) return { pinned: false, reason: 'taskset is not installed (util-linux)' };
  const cores = availableParallelism();
  if (cores < 2) return { pinned: false, reason: `only ${cores} core available` };
  return { pinned: true, server: '0', load: '1', backing: cores >= 3 ? '2' : '1' };
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Moves a running process, all its threads included, onto `cpus`. */
export function pinProcess(pid: number, cpus: string): void {
  execFileSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' });
}

/** The command line that starts `argv` on `cpus`, or unchanged when not pinning. */
export function pinnedCommand(cpus: string | undefined, command: string, args: readonly string[]): { command: string; args: string[] } {
  if (cpus === undefined) return { command, args: [...args] };
  return { command: 'taskset', args: ['--cpu-list', cpus, command, ...args] };
}

/** Where each process actually ran, read back from the kernel. */
export function pinningReport(plan: CpuPlan, processes: Record<string, number | undefined>): PinningReport {
  const actual = Object.fromEntries(
    Object.entries(processes).flatMap(([role, pid]) => {
      if (pid === undefined) return [];
      try {
        return [[role, readAllowedCpus(pid)]];
      } catch {
        return [[role, 'exited']];
      }
    }),
  );
  const distinct = plan.pinned && actual.server !== undefined && actual.server !== actual['load generator'];
  return {
    pinned: distinct,
    ...(plan.pinned ? (distinct ? {} : { reason: 'the server and the load generator ended up on the same CPUs' }) : { reason: plan.reason }),
    processes: actual,
  };
}
