import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { loadAgentCatalog, type AgentCatalog } from '../../../services/core/agents/catalog.js';
import { loadConfig, type PlatformConfig } from '../../../services/core/config.js';
import { WorkerRegistry } from '../../../services/core/fleet/worker-registry.js';
import { createQueueDriver } from '../../../services/core/queue/index.js';
import type { QueueDriver } from '../../../services/core/queue/contract.js';
import { encodeRunMessage } from '../../../services/core/queue/message.js';
import { createRedis } from '../../../services/core/redis.js';
import type { Run, RunSpec, RunStatus } from '../../../services/core/run/model.js';
import { RedisRunStore, type RedisRunStoreOptions } from '../../../services/core/run/redis-run-store.js';
import { messageForRun, sendOptionsFor } from '../../../services/core/run/run-message.js';
import { AgentExecutors } from '../../../services/worker/agents/agent-executors.js';
import { RedisCheckpointStore } from '../../../services/worker/checkpoint-store.js';
import { workerOptionsFromConfig } from '../../../services/worker/main.js';
import { Worker, type WorkerOptions } from '../../../services/worker/worker.js';
import type { TestSqs } from '../../support/fauxqs.js';
import { eventually } from './recording-context.js';

/**
 * Real pieces for worker tests: a RedisRunStore on the test file's redis-server, the real queue driver
 * (BullMQ on that Redis, or SQS on fauxqs) on a queue of the test's own, and Workers wired like
 * `startWorker` does, each with its own connections as if it were its own process.
 */

export const fixturesDir = fileURLToPath(new URL('../../fixtures/agents/', import.meta.url));
export const TENANT = 'tenant-a';

/** test/fixtures/agents/agents.json: an AGENTS_FILE like an operator would write. */
export const agentsFile = join(fixturesDir, 'agents.json');
export const testCatalog: AgentCatalog = loadAgentCatalog(agentsFile);

export const silentLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface HarnessOptions {
  redisUrl: string;
  /** When given, the queue is SQS on this fauxqs server; BullMQ on `redisUrl` otherwise. */
  sqs?: TestSqs;
  env?: Record<string, string>;
  store?: Partial<RedisRunStoreOptions>;
}

export interface WorkerProcess {
  child: ChildProcess;
  id: string;
  metricsUrl: string | null;
  exited: Promise<number | null>;
}

export interface WorkerHandle {
  worker: Worker;
  queue: QueueDriver;
  store: RedisRunStore;
  /** Stops the worker (drain with its grace) and closes its connections. */
  stop(reason?: string): Promise<void>;
}

export class Harness {
  readonly config: PlatformConfig;
  readonly redis: Redis;
  readonly store: RedisRunStore;
  readonly queue: QueueDriver;
  private readonly closers: (() => Promise<void>)[] = [];

  /** The environment the config was parsed from, for workers started as child processes. */
  readonly env: Record<string, string>;

  constructor(private readonly options: HarnessOptions) {
    this.env = {
      REDIS_URL: options.redisUrl,
      QUEUE_NAME: `runs-${randomUUID()}`,
      LEASE_SECONDS: '3',
      VISIBILITY_SECONDS: '30',
      KILL_GRACE_SECONDS: '1',
      SHUTDOWN_GRACE_SECONDS: '10',
      WORKER_SLOTS: '4',
      LOG_LEVEL: 'silent',
      ...(options.sqs
        ? {
            QUEUE_DRIVER: 'sqs',
            SQS_QUEUE_URL: options.sqs.queueUrl,
            SQS_DLQ_URL: options.sqs.dlqUrl,
            SQS_HIGH_PRIORITY_QUEUE_URL: options.sqs.highPriorityQueueUrl,
            AWS_ENDPOINT_URL: options.sqs.endpoint,
          }
        : {}),
      AGENTS_FILE: agentsFile,
      ...options.env,
    };
    this.config = loadConfig(this.env);
    const connections = this.connect();
    this.redis = connections.redis;
    this.store = connections.store;
    this.queue = connections.queue;
    this.closers.push(() => this.closeConnections(connections));
  }

  async submit(agent: string, input: unknown, spec: Partial<RunSpec> = {}): Promise<Run> {
    const { run } = await this.store.create(TENANT, {
      agent,
      input,
      timeoutSeconds: 60,
      maxAttempts: 3,
      priority: 0,
      metadata: {},
      ...spec,
    });
    await this.queue.send(encodeRunMessage(messageForRun(run)), sendOptionsFor(run, Date.now()));
    await this.store.markSent(run.id);
    return run;
  }

  async get(id: string): Promise<Run> {
    const run = await this.store.get(TENANT, id);
    if (!run) throw new Error(`run ${id} not found`);
    return run;
  }

  /** Waits (generously) until the run is in one of `statuses`. */
  async waitForStatus(id: string, statuses: RunStatus | RunStatus[], timeoutMs = 60_000): Promise<Run> {
    const wanted = Array.isArray(statuses) ? statuses : [statuses];
    return eventually(async () => {
      const run = await this.get(id);
      return wanted.includes(run.status) ? run : undefined;
    }, `run ${id} to be ${wanted.join(' or ')}`, timeoutMs);
  }

  async startWorker(overrides: Partial<WorkerOptions> = {}, catalog: AgentCatalog = testCatalog): Promise<WorkerHandle> {
    const connections = this.connect();
    const id = `test-worker-${randomUUID().slice(0, 8)}`;
    const worker = new Worker(
      {
        store: connections.store,
        queue: connections.queue,
        executors: new AgentExecutors(catalog, {
          killGraceMs: this.config.KILL_GRACE_SECONDS * 1000,
          baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        }),
        checkpoints: new RedisCheckpointStore(connections.redis, { retentionSeconds: this.config.RUN_RETENTION_SECONDS }),
        registry: new WorkerRegistry(connections.redis),
        logger: silentLogger,
      },
      { ...workerOptionsFromConfig(this.config, id), receiveWaitSeconds: 2, ...overrides },
    );
    await worker.start();
    let stopping: Promise<void> | undefined;
    const stop = (reason = 'test') =>
      (stopping ??= worker.stop(reason).then(() => this.closeConnections(connections)));
    this.closers.push(() => stop('test over'));
    return { worker, queue: connections.queue, store: connections.store, stop };
  }

  /** A worker in its own process (startWorker, as `agentfleet worker` runs it); resolves once it pulls. */
  async startWorkerProcess(env: Record<string, string> = {}): Promise<WorkerProcess> {
    const script = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      env: { PATH: process.env.PATH, ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    this.closers.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const lines = createInterface({ input: child.stdout! });
    const ready = await new Promise<{ ready: string; metricsUrl: string | null }>((resolve, reject) => {
      lines.on('line', (line) => {
        if (line.startsWith('{"ready"')) resolve(JSON.parse(line) as { ready: string; metricsUrl: string | null });
      });
      void exited.then((code) => reject(new Error(`worker process exited with ${code} before it was ready: ${stderr}`)));
    });
    return { child, id: ready.ready, metricsUrl: ready.metricsUrl, exited };
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => undefined);
  }

  private connect() {
    const redis = createRedis(this.config.REDIS_URL, { name: 'worker-test', failFast: false, logger: silentLogger });
    const store = new RedisRunStore(redis, {
      retentionSeconds: this.config.RUN_RETENTION_SECONDS,
      leaseSeconds: this.config.LEASE_SECONDS,
      backoff: { baseMs: 200, capMs: 1_000 },
      ...this.options.store,
    });
    const queue = createQueueDriver(this.config, {
      logger: silentLogger,
      sqsCredentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    return { redis, store, queue };
  }

  private async closeConnections({ redis, store, queue }: { redis: Redis; store: RedisRunStore; queue: QueueDriver }): Promise<void> {
    await Promise.allSettled([queue.close(), store.close()]);
    await redis.quit().catch(() => redis.disconnect());
  }
}

/** A harness that closes itself when the test ends. */
export function harness(t: ExecutionContext, options: HarnessOptions): Harness {
  const h = new Harness(options);
  t.teardown(() => h.close());
  return h;
}
