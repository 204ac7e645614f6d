import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { DEFAULT_TIMEOUT_SECONDS, type AgentDefinition } from '../../core/agents/catalog.js';
import { loadConfig } from '../../core/config.js';
import { freePort } from '../../core/free-port.js';
import type { Logger } from '../../core/logger.js';
import { createQueueDriver } from '../../core/queue/index.js';
import { createRedis } from '../../core/redis.js';
import { RedisRunStore } from '../../core/run/redis-run-store.js';
import type { RunSpec } from '../../core/run/model.js';
import { EVENT_LOOP_MONITOR_RESOLUTION_MS } from '../metrics.js';
import { ProfileError } from './errors.js';
import { startPrivateRedis } from './private-redis.js';
import { ProcTreeSampler, type TreeUsage } from './proc-usage.js';
import { RunFeeder } from './run-feeder.js';
import { gaugeValue } from './prometheus-text.js';
import { summariseProfile, DEFAULT_FOOTPRINT_RULE, type FootprintRule, type AttemptSpan, type MemorySample, type ProfileReport } from './summary.js';

/**
 * `agentfleet profile`: one real worker process (`agentfleet worker`, WORKER_SLOTS = concurrency)
 * against a private redis-server, fed through the same submit path as the API (run store + BullMQ
 * queue) so that its slots stay full; its process tree is sampled from /proc while it runs, its
 * event-loop delay read from its own /metrics. BullMQ on a private Redis rather than `agentfleet dev`:
 * the only processes in the measured tree are the worker and its agents, and nothing else shares
 * the Redis.
 */

export interface ProfileOptions {
  agent: { name: string; definition: AgentDefinition };
  input: unknown;
  concurrency: number;
  seconds: number;
  /** Runs before the window opens, so start-up (module loading, first connections) is not measured. */
  warmupSeconds: number;
  agentsFile: string | undefined;
  /** The argv that starts `agentfleet worker` (the CLI knows where its launcher is). */
  workerCommand: readonly string[];
  /** What the worker process inherits (PATH, HOME, ...); the profiler sets its own queue, Redis and slots. */
  baseEnv: NodeJS.ProcessEnv;
  logger: Logger;
  sampleIntervalMs?: number;
  rule?: FootprintRule;
}

export interface ProfileProgress {
  phase: 'warming up' | 'measuring';
  elapsedSeconds: number;
  totalSeconds: number;
  /** Deliveries the worker holds. */
  running: number;
}

const TENANT = 'profile';
const QUEUE_NAME = 'agentfleet-profile';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function profileAgent(options: ProfileOptions, onProgress: (progress: ProfileProgress) => void = () => {}): Promise<ProfileReport> {
  const redisServer = await startPrivateRedis();
  const cleanups: (() => Promise<unknown>)[] = [() => redisServer.stop()];
  try {
    const metricsPort = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...options.baseEnv,
      REDIS_URL: redisServer.url,
      QUEUE_DRIVER: 'bullmq',
      QUEUE_NAME,
      HOST: '127.0.0.1',
      WORKER_SLOTS: String(options.concurrency),
      WORKER_METRICS_PORT: String(metricsPort),
      AGENTS_FILE: options.agentsFile ?? '',
      LOG_LEVEL: 'error',
      // Runs still going when the window closes are handed back within a second, not drained.
      SHUTDOWN_GRACE_SECONDS: '1',
      KILL_GRACE_SECONDS: '1',
      // A failing agent is measured, not fenced off.
      BREAKER_ERROR_PERCENT: '100',
    };
    const config = loadConfig(env);
    const [command, ...args] = options.workerCommand;
    if (!command) throw new ProfileError('no worker command');
    const worker = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The worker logs errors on stdout (pino) and start-up failures on stderr: keep the tail of both.
    let workerErrors = '';
    const keepTail = (chunk: Buffer) => (workerErrors = (workerErrors + chunk.toString()).slice(-2000));
    worker.stdout.on('data', keepTail);
    worker.stderr.on('data', keepTail);
    const workerExited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    cleanups.unshift(async () => {
      if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGTERM');
      await workerExited;
    });
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    await waitForMetrics(metricsUrl, () => worker.exitCode !== null, () => workerErrors);

    const redis = createRedis(config.REDIS_URL, { name: 'profile', failFast: false, logger: options.logger });
    const store = new RedisRunStore(redis, { retentionSeconds: 3600, leaseSeconds: config.LEASE_SECONDS, logger: options.logger });
    const queue = createQueueDriver(config, { logger: options.logger });
    cleanups.unshift(async () => {
      await Promise.allSettled([queue.close(), store.close()]);
      await redis.quit().catch(() => redis.disconnect());
    });

    const sampler = new ProcTreeSampler(worker.pid!);
    const idle = await sampleOrFail(sampler, () => workerErrors);
    const definition = options.agent.definition;
    const spec: RunSpec = {
      agent: options.agent.name,
      input: options.input,
      timeoutSeconds: definition.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      maxAttempts: 1,
      priority: 0,
      metadata: {},
    };

    const feeder = new RunFeeder(store, queue, options.logger, TENANT, spec, options.concurrency);
    feeder.start();
    cleanups.unshift(() => feeder.stop());

    const intervalMs = options.sampleIntervalMs ?? 250;
    const warmupStart = Date.now();
    while (Date.now() - warmupStart < options.warmupSeconds * 1000) {
      onProgress({ phase: 'warming up', elapsedSeconds: (Date.now() - warmupStart) / 1000, totalSeconds: options.warmupSeconds, running: feeder.running });
      await sleep(intervalMs);
    }

    await fetch(metricsUrl); // reads and resets the event-loop delay histogram: the window starts clean
    const startMs = Date.now();
    const first = await sampleOrFail(sampler, () => workerErrors);
    const samples: MemorySample[] = [memoryOf(first)];
    let last = first;
    while (Date.now() - startMs < options.seconds * 1000) {
      await sleep(Math.min(intervalMs, startMs + options.seconds * 1000 - Date.now()));
      last = await sampleOrFail(sampler, () => workerErrors);
      samples.push(memoryOf(last));
      onProgress({ phase: 'measuring', elapsedSeconds: (Date.now() - startMs) / 1000, totalSeconds: options.seconds, running: feeder.running });
    }
    const endMs = Date.now();
    const metrics = await (await fetch(metricsUrl)).text();

    await feeder.stop().catch((error: unknown) => {
      throw new ProfileError(`submitting runs failed: ${(error as Error).message}`);
    });
    const attempts = await attemptsOf(store, feeder.runIds);
    return summariseProfile(
      {
        agent: options.agent.name,
        agentType: definition.type,
        concurrency: options.concurrency,
        window: { startMs, endMs },
        cpuSeconds: { start: first.cpuSeconds, end: last.cpuSeconds },
        idleWorkerBytes: idle.rootRssBytes,
        samples,
        attempts,
        machine: { cores: availableParallelism(), loadAverage: loadavg()[0] ?? 0 },
        eventLoopLagMs: {
          p50: lagMs(gaugeValue(metrics, 'nodejs_eventloop_lag_p50_seconds')),
          p99: lagMs(gaugeValue(metrics, 'nodejs_eventloop_lag_p99_seconds')),
        },
      },
      options.rule ?? DEFAULT_FOOTPRINT_RULE,
    );
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}

function lagMs(readingSeconds: number | undefined): number {
  if (readingSeconds === undefined) throw new ProfileError('the worker reported no event-loop delay on /metrics');
  return Math.max(0, readingSeconds * 1000 - EVENT_LOOP_MONITOR_RESOLUTION_MS);
}

function memoryOf(usage: TreeUsage): MemorySample {
  return { workerBytes: usage.rootRssBytes, childProcessesBytes: usage.descendantsRssBytes };
}

async function sampleOrFail(sampler: ProcTreeSampler, errors: () => string): Promise<TreeUsage> {
  const usage = await sampler.sample();
  if (!usage) throw new ProfileError(`the worker process exited: ${errors() || '(no output)'}`);
  return usage;
}

async function waitForMetrics(url: string, exited: () => boolean, errors: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited()) throw new ProfileError(`the worker process exited during start-up: ${errors() || '(no output)'}`);
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await sleep(100);
  }
  throw new ProfileError(`the worker did not serve ${url} within ${timeoutMs / 1000} s`);
}

async function attemptsOf(store: RedisRunStore, ids: readonly string[]): Promise<AttemptSpan[]> {
  const spans: AttemptSpan[] = [];
  const BATCH = 200;
  for (let i = 0; i < ids.length; i += BATCH) {
    const runs = await Promise.all(ids.slice(i, i + BATCH).map((id) => store.get(TENANT, id)));
    for (const attempt of runs.flatMap((run) => run?.attempts ?? [])) {
      spans.push({
        startMs: Date.parse(attempt.startedAt),
        ...(attempt.finishedAt ? { endMs: Date.parse(attempt.finishedAt) } : {}),
        ...(attempt.outcome ? { outcome: attempt.outcome } : {}),
      });
    }
  }
  return spans;
}
