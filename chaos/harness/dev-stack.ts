import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { KeyStore } from '../../services/core/auth/key-store.js';
import { WorkerRegistry, type WorkerStatus } from '../../services/core/fleet/worker-registry.js';
import { createLogger } from '../../services/core/logger.js';
import { createRedis } from '../../services/core/redis.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import type { Run } from '../../services/core/run/model.js';
import { ApiClient } from './api-client.js';
import { waitFor } from './wait.js';

/**
 * `agentfleet dev` started the way a developer starts it (`node bin/agentfleet.js dev`), as a
 * process group of its own (API, scaler, local worker fleet) on the scenario's private Redis, with
 * the chaos agents, a chaos API key and everything it prints in a log file. Besides the HTTP API the
 * scenario may look at the fleet registry and the run records in that Redis (read only).
 */

export const TENANT = 'chaos';
const KEY = 'chaos-key-0123456789abcdef';
/** From the parent's environment only what a process needs to run; every platform variable is set here. */
const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
const URL_LINE = /API\s+(http:\/\/127\.0\.0\.1:\d+)/;

/** Stacks not stopped yet: if the runner exits early, their whole groups go with it. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child);
});

export interface DevStackOptions {
  root: string;
  /** Names the queue and the log file. */
  name: string;
  redisUrl: string;
  slots: number;
  minWorkers: number;
  maxWorkers: number;
  /** Scenario settings (IMDS_ENDPOINT, the SQS queue, ...), over the chaos defaults. */
  env?: Record<string, string>;
  logFile: string;
}

/**
 * Variables every scenario shares. Nothing here changes how the platform behaves: timeouts, leases,
 * drains and breakers keep their production defaults unless a scenario sets one and says why.
 */
const CHAOS_DEFAULTS: Record<string, string> = {
  AGENTFLEET_ENV: 'dev',
  QUEUE_DRIVER: 'bullmq',
  LOG_LEVEL: 'warn',
};

export class DevStack {
  readonly api: ApiClient;
  private readonly registry: WorkerRegistry;
  private readonly store: RedisRunStore;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly log: WriteStream,
    private readonly redis: Redis,
    readonly url: string,
    readonly logFile: string,
  ) {
    this.api = new ApiClient(url, KEY);
    this.registry = new WorkerRegistry(redis);
    this.store = new RedisRunStore(redis, { retentionSeconds: 3600, leaseSeconds: 30 });
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  static async start(options: DevStackOptions): Promise<DevStack> {
    const passed = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
    const env = {
      ...passed,
      ...CHAOS_DEFAULTS,
      REDIS_URL: options.redisUrl,
      QUEUE_NAME: `chaos-${options.name}`,
      AGENTS_FILE: join(options.root, 'chaos', 'agents', 'agents.json'),
      AGENTFLEET_BOOTSTRAP_KEYS: `${TENANT}:${KEY}`,
      ...options.env,
    };
    const args = ['bin/agentfleet.js', 'dev', '--port', '0', '--slots', String(options.slots), '--min-workers', String(options.minWorkers), '--max-workers', String(options.maxWorkers)];
    // A process group of its own, so whatever happens the runner can take down the whole stack by its id.
    const child = spawn(process.execPath, args, { cwd: options.root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const log = createWriteStream(options.logFile);
    let printed = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      log.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => log.write(chunk));
    const redis = createRedis(options.redisUrl, { name: 'chaos-observer', failFast: true, logger: createLogger('chaos', 'silent') });
    const exitedEarly = () => child.exitCode !== null || child.signalCode !== null;
    try {
      await waitFor(() => exitedEarly() || URL_LINE.test(printed), 'agentfleet dev to print its URL', 90_000);
      if (exitedEarly()) throw new Error(`agentfleet dev exited (${child.exitCode ?? child.signalCode}) during start-up; see ${options.logFile}`);
    } catch (error) {
      killGroup(child);
      live.delete(child);
      redis.disconnect();
      throw error;
    }
    return new DevStack(child, log, redis, URL_LINE.exec(printed)?.[1] ?? '', options.logFile);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Live workers of the local pool, as they report themselves. */
  workers(): Promise<WorkerStatus[]> {
    return this.registry.list().then((all) => all.filter((worker) => worker.pool === 'local'));
  }

  /** The run record as the store keeps it (with the worker of each attempt, which the API does not show). */
  record(id: string): Promise<Run | undefined> {
    return this.store.get(TENANT, id);
  }

  /**
   * Registers the chaos API key again, as an operator would after Redis lost its data: keys live in
   * the same Redis as the runs, and the API registers AGENTFLEET_BOOTSTRAP_KEYS only at start.
   */
  restoreApiKey(): Promise<void> {
    return new KeyStore(this.redis).register(TENANT, KEY);
  }

  /** Everything the stack has printed so far. */
  output(): string {
    return readFileSync(this.logFile, 'utf8');
  }

  /** The `msg` of every JSON log line that names this run, in order (`service: msg`). */
  logMessagesAbout(runId: string): string[] {
    return this.output()
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes(runId))
      .flatMap((line) => {
        try {
          const entry = JSON.parse(line) as { service?: string; msg?: string };
          return entry.msg ? [`${entry.service ?? '?'}: ${entry.msg}`] : [];
        } catch {
          return [];
        }
      });
  }

  /** SIGTERM (the stack drains), then SIGKILL to the whole group if it takes longer than `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => killGroup(this.child), graceMs);
      await this.exited;
      clearTimeout(timer);
    }
    live.delete(this.child);
    this.redis.disconnect();
    await new Promise((resolve) => this.log.end(resolve));
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is gone already.
  }
}

/** The pid inside a worker id (`${hostname}-${pid}-${random}`, services/worker/main.ts). */
export function pidOfWorker(workerId: string): number | undefined {
  const match = /-(\d+)-[0-9a-f]+$/.exec(workerId);
  return match ? Number(match[1]) : undefined;
}
