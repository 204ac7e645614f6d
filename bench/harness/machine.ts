import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';

/** The machine a result was measured on, so figures from different machines are never compared blindly. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** 1-minute load average when the benchmark started: a busy machine explains odd figures. */
  loadAverage: number;
  redis?: string;
}

export function describeMachine(redisVersion?: string): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    // Not availableParallelism(): that counts only the CPUs this (pinned) process may use.
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${platform()} ${release()}${containerNote()}`,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    ...(redisVersion ? { redis: redisVersion } : {}),
  };
}

function containerNote(): string {
  try {
    return /docker|containerd|kubepods/.test(readFileSync('/proc/1/cgroup', 'utf8')) ? ' (container)' : '';
  } catch {
    return '';
  }
}
