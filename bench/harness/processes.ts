import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IpcAnnouncement, IpcResponse } from './ipc.js';
import { pinnedCommand } from './pinning.js';
import { readCpuSeconds, readRssBytes } from './proc-stats.js';

/**
 * A Node process a benchmark starts: compiled JavaScript (bench/harness/build.ts) run by plain node,
 * the same way for the stack and for its ceilings, pinned to its CPUs, stdout and stderr kept in a
 * log file, and an IPC channel for requests and announcements.
 */
export interface NodeProcessOptions {
  /** Shown in errors: "agentfleet api", "koa echo". */
  name: string;
  /** A compiled .js file (see compiledPath). */
  script: string;
  args?: readonly string[];
  cpus?: string;
  /** Extra node flags (--cpu-prof, --import of a probe). */
  nodeArgs?: readonly string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
}

export class ProcessExitedError extends Error {
  override readonly name = 'ProcessExitedError';
}

/** Whatever happens to the runner, nothing it started outlives it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export class BenchProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly announcements: IpcAnnouncement[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    private readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.on('message', (message: IpcResponse | IpcAnnouncement) => this.onMessage(message));
    void this.exited.then(({ code, signal }) => {
      const error = new ProcessExitedError(`${name} exited (code ${code}, signal ${signal}); see ${logFile}`);
      for (const { reject } of this.pending.values()) reject(error);
      this.pending.clear();
      for (const wake of this.waiters) wake();
    });
  }

  static start(options: NodeProcessOptions): BenchProcess {
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = openSync(options.logFile, 'w');
    const nodeArgs = [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])];
    const { command, args } = pinnedCommand(options.cpus, process.execPath, nodeArgs);
    const child = spawn(command, args, { env: options.env, stdio: ['ignore', log, log, 'ipc'] });
    closeSync(log);
    live.add(child);
    child.once('exit', () => live.delete(child));
    return new BenchProcess(options.name, child, options.logFile);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new ProcessExitedError(`${this.name} did not start; see ${this.logFile}`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async request<T>(type: string, payload?: unknown, timeoutMs = 120_000): Promise<T> {
    if (!this.running) throw new ProcessExitedError(`${this.name} is not running; see ${this.logFile}`);
    const id = this.nextId++;
    const answer = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.child.send({ id, type, payload });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name} did not answer "${type}" within ${timeoutMs} ms; see ${this.logFile}`)), timeoutMs);
    });
    try {
      return (await Promise.race([answer, timeout])) as T;
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }

  /** The first announcement of `type` (past or future). */
  async announcement<T extends IpcAnnouncement>(type: string, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.announcements.find((message) => message.type === type);
      if (found) return found as T;
      if (!this.running) throw new ProcessExitedError(`${this.name} exited before announcing "${type}"; see ${this.logFile}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name} did not announce "${type}" within ${timeoutMs} ms; see ${this.logFile}`);
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.waiters.add(wake);
      });
    }
  }

  rssBytes(): number {
    return readRssBytes(this.pid);
  }

  cpuSeconds(): number {
    return readCpuSeconds(this.pid);
  }

  /** SIGTERM (a graceful stop: CPU profiles are written on exit), then SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private onMessage(message: IpcResponse | IpcAnnouncement): void {
    if ('id' in message && typeof message.id === 'number') {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      const response = message as IpcResponse;
      if (response.ok) waiter.resolve(response.result);
      else waiter.reject(new Error(`${this.name}: ${response.error}`));
      return;
    }
    this.announcements.push(message as IpcAnnouncement);
    for (const wake of [...this.waiters]) wake();
  }
}
