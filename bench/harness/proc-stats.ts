import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * What the kernel says about a process (Linux /proc), read from outside so the process under test
 * runs no measuring code of ours.
 */

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function statusField(pid: number, field: string): string | undefined {
  const match = new RegExp(`^${field}:\\s*(.+)$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match?.[1]?.trim();
}

/** Resident set size in bytes. */
export function readRssBytes(pid: number): number {
  const kb = statusField(pid, 'VmRSS');
  if (kb === undefined) throw new Error(`process ${pid} has no VmRSS (exited?)`);
  return Number.parseInt(kb, 10) * 1024;
}

/** User plus system CPU time the process has used, in seconds. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / ticksPerSecond();
}

/** The CPUs the process may run on, e.g. "0", "1", "0-1". */
export function readAllowedCpus(pid: number): string {
  return statusField(pid, 'Cpus_allowed_list') ?? 'unknown';
}

/** CPU used by a process over a stretch of wall time, as a share of one core (1.0 = one core busy). */
export class CpuMeter {
  private readonly startCpu: number;
  private readonly startWall = performance.now();

  constructor(private readonly pid: number) {
    this.startCpu = readCpuSeconds(pid);
  }

  coresUsed(): number {
    const wallSeconds = (performance.now() - this.startWall) / 1000;
    return wallSeconds > 0 ? (readCpuSeconds(this.pid) - this.startCpu) / wallSeconds : 0;
  }
}

function cpuTicks(cpu: string): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`cpu${cpu} `));
  if (!line) throw new Error(`/proc/stat has no line for cpu${cpu}`);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  // Interrupt time is left out of "busy": on loopback it is mostly the benchmark's own network traffic.
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + (steal ?? 0);
  return { busy, total: busy + (idle ?? 0) + (iowait ?? 0) + (irq ?? 0) + (softirq ?? 0) };
}

/**
 * How busy one CPU was with processes (anyone's): compared with what the process pinned there used,
 * it shows how much of the core other processes on the machine took (a shared machine lowers
 * absolute figures).
 */
export class CpuBusyMeter {
  private readonly start: { busy: number; total: number };

  constructor(private readonly cpu: string) {
    this.start = cpuTicks(cpu);
  }

  /** Share of the CPU that ran processes, 0–1. */
  busyShare(): number {
    const now = cpuTicks(this.cpu);
    const total = now.total - this.start.total;
    return total > 0 ? (now.busy - this.start.busy) / total : 0;
  }
}
