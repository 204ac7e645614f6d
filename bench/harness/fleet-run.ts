import { readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { RunKeys } from '../../services/core/run/redis-keys.js';
import { TERMINAL_STATUSES, type Run } from '../../services/core/run/model.js';
import { submitRuns } from './api-submit.js';
import type { BenchContext } from './benchmark.js';
import { compiledPath } from './build.js';
import { checkFleet, type FleetCheck, type RunRecord } from './fleet-check.js';
import { infoField, type FleetSample } from './fleet-samples.js';
import { pinningReport, type CpuPlan } from './pinning.js';
import { BenchProcess } from './processes.js';
import { readCpuSeconds } from './proc-stats.js';
import type { PinningReport } from './result.js';
import { startBenchRedis } from './redis.js';
import { newTenant, startApiProcess, startWorkerProcess, type RunningApi, type StackConfig } from './stack.js';
import { waitUntil } from './wait.js';

/**
 * One fleet run of the fleet-10k benchmark on one queue driver: `agentfleet api` and several
 * `agentfleet worker` processes (the production entry points, each with the service probe), a
 * private Redis and, for SQS, fauxqs in its own process. `runs` runs of the journalling agent are
 * submitted over HTTP (the workers started before, or after on the backlog); while they go through
 * the queue and run, the runner samples the run store's
 * `running` index, Redis INFO and each process's RSS; afterwards it reads every run record and the
 * agents' journal. The figures are made from these by the caller (pure: fleet-samples, fleet-check).
 */

export interface FleetRunOptions {
  driver: 'bullmq' | 'sqs';
  runs: number;
  runMs: number;
  workers: number;
  submitConnections: number;
  sampleMs: number;
  /**
   * `after-submission`: the runs arrive as a burst into an idle queue and the workers start on the
   * backlog, as the scaler adds capacity; `before-submission`: the workers wait for the runs.
   */
  workersStart: 'before-submission' | 'after-submission';
}

export interface EventLoopReport {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ProcessFigures {
  role: string;
  pid: number;
  idleRssMB: number;
  peakRssMB: number;
  /** Event-loop delay while runs were submitted and started, then while they ran and finished. */
  eventLoop: { ramp: EventLoopReport; running: EventLoopReport };
}

export interface FleetRunRecord {
  driver: 'bullmq' | 'sqs';
  samples: FleetSample[];
  /** ms (runner clock) when submission began, ended, every run was running (if it happened), every run was finished. */
  submitStartedMs: number;
  submitEndedMs: number;
  allRunningMs?: number;
  allFinishedMs?: number;
  redisUsedBefore: number;
  submitRetries: number;
  /** CPU seconds each process (and this runner, which submits) used while the runs were submitted. */
  submitCpuSeconds: Record<string, number>;
  /** ms since epoch when every worker had registered (after submission, when they start on the backlog). */
  workersReadyAt: number;
  /** The same moment on the runner's monotonic clock. */
  workersReadyMs: number;
  /**
   * From the first submission until every run was running (or the wait gave up): CPU seconds of each
   * process, and the machine's 1-minute load average at its end (how many others wanted the cores).
   */
  ramp: { seconds: number; cpuSeconds: Record<string, number>; loadAverage: number };
  /** CPU seconds of each process from the first submission until every run finished (or the wait gave up). */
  totalCpuSeconds: Record<string, number>;
  processes: ProcessFigures[];
  /** CPU seconds fauxqs used over the run (SQS only). */
  fauxqsCpuSeconds?: number;
  fauxqsPeakRssMB?: number;
  check: FleetCheck;
  runs: { createdAt: string; startedAt?: string }[];
  pinning: PinningReport;
}

const QUEUE = 'bench-fleet';
const FINISH_GRACE_MS = 120_000;

/**
 * The fleet is the whole machine, as a production host would be: its processes may run on every core
 * (pinning the API and 4 workers onto one core would measure that core, not the fleet). They are
 * given every core explicitly: a child inherits the CPU affinity of its parent, and the runner is
 * pinned to one core by `make bench`.
 */
function wholeMachine(): CpuPlan {
  const every = `0-${cpus().length - 1}`;
  return { pinned: true, server: every, backing: every, load: '1' };
}

export async function runFleet(benchContext: BenchContext, options: FleetRunOptions): Promise<FleetRunRecord> {
  const context: BenchContext = { ...benchContext, plan: { ...wholeMachine(), ...(benchContext.plan.load ? { load: benchContext.plan.load } : {}) } };
  const label = (message: string) => context.progress(`${options.driver}: ${message}`);
  const redis = await startBenchRedis(context.plan);
  let fauxqs: BenchProcess | undefined;
  let api: RunningApi | undefined;
  const workers: BenchProcess[] = [];
  const journal = join(tmpdir(), `agentfleet-fleet-10k-${options.driver}-${process.pid}.jsonl`);
  rmSync(journal, { force: true });
  try {
    const queue = options.driver === 'bullmq' ? ({ driver: 'bullmq' } as const) : await startFauxqs(context, (started) => (fauxqs = started));
    const config: StackConfig = {
      redisUrl: redis.url,
      queueName: QUEUE,
      queue,
      extra: {
        WORKER_SLOTS: String(Math.ceil(options.runs / options.workers)),
        AGENTS_FILE: join(context.root, 'bench', 'agents', 'agents.json'),
        SHUTDOWN_GRACE_SECONDS: '5',
      },
    };
    const tenant = newTenant();
    api = await startApiProcess(context, config, tenant, { logName: `fleet-10k.${options.driver}.api` });
    const roles: [string, BenchProcess][] = [['api', api.process]];
    const rss = new Map<string, { idle: number; peak: number }>();
    const watch = (role: string, service: BenchProcess) => {
      roles.push([role, service]);
      rss.set(role, { idle: service.rssBytes(), peak: service.rssBytes() });
    };
    rss.set('api', { idle: api.process.rssBytes(), peak: api.process.rssBytes() });
    const registry = new WorkerRegistry(redis.client);
    let workersReadyAt = Date.now();
    let workersReadyMs = performance.now();
    const startWorkers = async () => {
      for (let index = 1; index <= options.workers; index += 1) {
        workers.push(startWorkerProcess(context, config, { logName: `fleet-10k.${options.driver}.worker-${index}` }));
      }
      await waitUntil(async () => (await registry.list()).length >= options.workers, `${options.workers} workers to register`, {
        timeoutMs: 60_000,
        failIf: () => (workers.every((worker) => worker.running) ? undefined : 'a worker exited; see bench/results/logs/fleet-10k.*.log'),
      });
      workersReadyAt = Date.now();
      workersReadyMs = performance.now();
      workers.forEach((worker, index) => watch(`worker-${index + 1}`, worker));
      await Promise.all(workers.map((worker) => worker.request('eventLoop')));
    };
    if (options.workersStart === 'before-submission') await startWorkers();
    const fauxqsStart = fauxqs ? { cpu: fauxqs.cpuSeconds(), peakRss: fauxqs.rssBytes() } : undefined;
    const redisUsedBefore = await redis.usedMemoryBytes();
    await api.process.request('eventLoop');

    const store = new RedisRunStore(redis.client, { retentionSeconds: 3600, leaseSeconds: 30 });
    const keys = new RunKeys();
    const runningKey = keys.byStatus(tenant.tenant, 'running');
    const terminalKeys = [...TERMINAL_STATUSES].map((status) => keys.byStatus(tenant.tenant, status));
    const samples: FleetSample[] = [];
    let finished = 0;
    const sampler = startSampler(options.sampleMs, async () => {
      const [running, stats, memory, ...done] = await Promise.all([
        redis.client.zcard(runningKey),
        redis.client.info('stats'),
        redis.client.info('memory'),
        ...terminalKeys.map((key) => redis.client.zcard(key)),
      ]);
      finished = done.reduce((sum, count) => sum + count, 0);
      samples.push({ atMs: performance.now(), running, totalCommands: infoField(stats, 'total_commands_processed'), usedMemory: infoField(memory, 'used_memory') });
      for (const [role, process] of roles) {
        const entry = rss.get(role);
        if (entry && process.running) entry.peak = Math.max(entry.peak, process.rssBytes());
      }
      if (fauxqs && fauxqsStart && fauxqs.running) fauxqsStart.peakRss = Math.max(fauxqsStart.peakRss, fauxqs.rssBytes());
    });

    const failIf = () => (roles.every(([, process]) => process.running) ? undefined : 'a service process exited; see bench/results/logs/fleet-10k.*.log');
    label(`submitting ${options.runs} runs of ${options.runMs / 1000} s through POST /v1/runs (${options.submitConnections} connections)`);
    const submitStartedMs = performance.now();
    const snapshot = () => cpuSnapshot(roles, { redis: redis.pid, ...(fauxqs ? { fauxqs: fauxqs.pid } : {}) });
    const cpuBefore = snapshot();
    const submitted = await submitRuns({
      url: api.url,
      apiKey: tenant.key,
      count: options.runs,
      connections: options.submitConnections,
      body: { agent: 'fleet-journal', input: { durationMs: options.runMs, journal }, metadata: { source: 'bench' } },
    });
    const submitEndedMs = performance.now();
    const submitCpuSeconds = cpuSince(cpuBefore, snapshot());
    if (options.workersStart === 'after-submission') {
      label(`submitted in ${submitted.seconds.toFixed(1)} s; starting ${options.workers} workers on the backlog`);
      await startWorkers();
    }
    label(`waiting for all ${options.runs} to be running`);

    let allRunningMs: number | undefined;
    await waitUntil(() => (samples.at(-1)?.running ?? 0) >= options.runs, `all ${options.runs} runs to be running`, {
      timeoutMs: options.runMs,
      intervalMs: options.sampleMs,
      failIf,
    })
      .then(() => (allRunningMs = performance.now()))
      .catch((error: unknown) => label(`not all running at once: ${(error as Error).message}`));
    const rampCpuSeconds = cpuSince(cpuBefore, snapshot());
    const rampLoadAverage = loadavg()[0] as number;
    const rampSeconds = (performance.now() - submitStartedMs) / 1000;
    const ramp = await Promise.all(roles.map(([, process]) => process.request<EventLoopReport>('eventLoop')));
    label(`${allRunningMs === undefined ? 'peak passed' : `all running ${((allRunningMs - workersReadyMs) / 1000).toFixed(1)} s after the workers were ready`}; waiting for every run to finish`);

    let allFinishedMs: number | undefined;
    await waitUntil(() => finished >= options.runs, 'every run to finish', { timeoutMs: options.runMs + FINISH_GRACE_MS, intervalMs: options.sampleMs, failIf })
      .then(() => (allFinishedMs = performance.now()))
      .catch((error: unknown) => label(`not every run finished: ${(error as Error).message}`));
    await sampler.stop();
    const totalCpuSeconds = cpuSince(cpuBefore, snapshot());
    const running = await Promise.all(roles.map(([, process]) => process.request<EventLoopReport>('eventLoop')));

    const pinning = pinningOf(context.plan, {
      ...Object.fromEntries(roles.map(([role, process]) => [role, process.pid])),
      'load generator': process.pid,
      redis: redis.pid,
      ...(fauxqs ? { fauxqs: fauxqs.pid } : {}),
    });
    label(`peak ${Math.max(0, ...samples.map((sample) => sample.running))} running at once; reading every run record and the journal`);
    const records = await readRecords(store, tenant.tenant, submitted.ids);
    const check = checkFleet(submitted.ids, new Map([...records].map(([id, run]) => [id, run && toRecord(run)])), readFileSync(journal, 'utf8'));
    return {
      driver: options.driver,
      samples,
      submitStartedMs,
      submitEndedMs,
      ...(allRunningMs === undefined ? {} : { allRunningMs }),
      ...(allFinishedMs === undefined ? {} : { allFinishedMs }),
      redisUsedBefore,
      submitRetries: submitted.retried,
      workersReadyAt,
      workersReadyMs,
      submitCpuSeconds,
      ramp: { seconds: rampSeconds, cpuSeconds: rampCpuSeconds, loadAverage: rampLoadAverage },
      totalCpuSeconds,
      processes: roles.map(([role, process], index) => ({
        role,
        pid: process.pid,
        idleRssMB: (rss.get(role)?.idle ?? Number.NaN) / 2 ** 20,
        peakRssMB: (rss.get(role)?.peak ?? Number.NaN) / 2 ** 20,
        eventLoop: { ramp: ramp[index] as EventLoopReport, running: running[index] as EventLoopReport },
      })),
      ...(fauxqs && fauxqsStart ? { fauxqsCpuSeconds: fauxqs.cpuSeconds() - fauxqsStart.cpu, fauxqsPeakRssMB: fauxqsStart.peakRss / 2 ** 20 } : {}),
      check,
      runs: [...records.values()].flatMap((run) => (run ? [{ createdAt: run.createdAt, ...(run.startedAt ? { startedAt: run.startedAt } : {}) }] : [])),
      pinning,
    };
  } finally {
    await Promise.allSettled([api?.process.stop(), ...workers.map((worker) => worker.stop()), fauxqs?.stop()]);
    await redis.stop();
    rmSync(journal, { force: true });
  }
}

async function startFauxqs(context: BenchContext, started: (process: BenchProcess) => void): Promise<StackConfig['queue']> {
  const fauxqs = BenchProcess.start({
    name: 'fauxqs',
    script: compiledPath(context.build, 'bench/servers/fauxqs.ts'),
    cpus: context.plan.backing,
    env: { PATH: process.env.PATH, NODE_ENV: 'production' },
    logFile: join(context.logDir, 'fleet-10k.sqs.fauxqs.log'),
  });
  started(fauxqs);
  const ready = await fauxqs.announcement<{ type: string; endpoint: string; queueUrl: string; dlqUrl: string }>('ready');
  return { driver: 'sqs', endpoint: ready.endpoint, queueUrl: ready.queueUrl, dlqUrl: ready.dlqUrl };
}

/** CPU seconds so far of the services, the backing servers (by pid) and this runner. */
/** Where each process ran, read back from the kernel; "not pinned" in the sense that every service had every core. */
function pinningOf(plan: CpuPlan, pids: Record<string, number>): PinningReport {
  const report = pinningReport(plan, pids);
  return { pinned: false, reason: `fleet-10k: every service process may use CPUs ${plan.server ?? 'all'}; the runner stays on ${plan.load ?? 'any'}`, processes: report.processes };
}

function cpuSnapshot(roles: readonly [string, BenchProcess][], backing: Record<string, number>): Record<string, number> {
  const usage = process.cpuUsage();
  return {
    ...Object.fromEntries(roles.map(([role, service]) => [role, service.running ? service.cpuSeconds() : Number.NaN])),
    ...Object.fromEntries(Object.entries(backing).map(([role, pid]) => [role, readCpuSeconds(pid)])),
    runner: (usage.user + usage.system) / 1e6,
  };
}

function cpuSince(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([role, seconds]) => [role, seconds - (before[role] ?? 0)]));
}

function toRecord(run: Run): RunRecord {
  return { id: run.id, status: run.status, attempts: run.attempts.map((attempt) => attempt.number) };
}

async function readRecords(store: RedisRunStore, tenant: string, ids: readonly string[]): Promise<Map<string, Run | undefined>> {
  const records = new Map<string, Run | undefined>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < ids.length) {
        const id = ids[next++] as string;
        records.set(id, await store.get(tenant, id));
      }
    }),
  );
  return records;
}

/** Calls `take` every `intervalMs` (never two at once) until stopped; a failed sample is skipped. */
function startSampler(intervalMs: number, take: () => Promise<void>): { stop(): Promise<void> } {
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = performance.now();
      await take().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (performance.now() - started))));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
