import { setTimeout as sleep } from 'node:timers/promises';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import type { Run } from '../../services/core/run/model.js';
import type { Benchmark } from '../harness/benchmark.js';
import { pinningReport } from '../harness/pinning.js';
import { CpuBusyMeter, CpuMeter } from '../harness/proc-stats.js';
import { captureProfile } from '../harness/profiling.js';
import { memoryByKeyPattern, type KeyPatternUsage } from '../harness/redis-memory.js';
import type { BenchProcess } from '../harness/processes.js';
import { startBenchRedis } from '../harness/redis.js';
import { BENCH_TENANT, RunSeeder, runSpec } from '../harness/seeder.js';
import { startWorkerProcess, type StackConfig } from '../harness/stack.js';
import { median, round } from '../harness/stats.js';
import { waitUntil } from '../harness/wait.js';

/**
 * Issue 5 §5. 10,000 concurrent 30-second `simulate` runs in ONE `agentfleet worker` process
 * (WORKER_SLOTS=10000, BullMQ driver). Measured from outside where possible: RSS from
 * /proc/<pid>/status, Redis bytes per running run from INFO memory (used while all 10,000 run,
 * minus before any was created), stalls from the runs themselves (a second attempt means a lease
 * lapsed or a message was redelivered; not finishing means stuck). The event-loop delay comes from
 * the probe loaded beside the worker, per phase: ramp (creating and starting 10,000 runs) and run
 * (all running until all done); the goal takes the worse phase. Redis's bytes are also broken down
 * by key pattern. When the event loop is too slow, the worker is profiled through a second ramp.
 */

const RUNS = 10_000;
const RUN_MS = 30_000;
const QUEUE = 'bench-concurrency';
const EVENT_LOOP_GOAL_MS = 20;

interface EventLoopReport {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export const concurrency: Benchmark = {
  name: 'concurrency',
  title: '10,000 concurrent 30 s runs, one worker',
  unit: 'MB RSS',
  goals: [
    { figure: 'value', op: '<=', target: 300, label: 'RSS', unit: 'MB' },
    { figure: 'redisKBPerRun', op: '<=', target: 3, label: 'Redis', unit: 'KB/run' },
    { figure: 'eventLoopP99Ms', op: '<=', target: EVENT_LOOP_GOAL_MS, label: 'event-loop p99', unit: 'ms' },
    { figure: 'stalls', op: '<=', target: 0, label: 'stalls' },
  ],
  async run(context) {
    const redis = await startBenchRedis(context.plan);
    const config: StackConfig = {
      redisUrl: redis.url,
      queueName: QUEUE,
      queue: { driver: 'bullmq' },
      extra: { WORKER_SLOTS: String(RUNS), SHUTDOWN_GRACE_SECONDS: '5' },
    };
    const seeder = new RunSeeder(redis.url, QUEUE);
    const registry = new WorkerRegistry(redis.client);
    let worker: BenchProcess | undefined;
    try {
      const started = startWorkerProcess(context, config, { logName: 'concurrency.worker' });
      worker = started;
      await waitUntil(async () => (await registry.list()).length > 0, 'the worker to register', {
        timeoutMs: 60_000,
        failIf: () => (started.running ? undefined : 'the worker exited; see bench/results/logs/concurrency.worker.log'),
      });
      await sleep(500);
      const idleRssBytes = started.rssBytes();
      const redisBefore = await redis.usedMemoryBytes();
      await started.request('eventLoop');

      context.progress(`creating and queueing ${RUNS} runs of ${RUN_MS / 1000} s`);
      const workerCpu = new CpuMeter(started.pid);
      const serverBusy = context.plan.server === undefined ? undefined : new CpuBusyMeter(context.plan.server);
      const seedStarted = performance.now();
      const runs = await seeder.createRuns(RUNS, runSpec('simulate', { durationMs: RUN_MS }));
      await seeder.enqueue(runs);
      const seedSeconds = (performance.now() - seedStarted) / 1000;

      const rss: number[] = [];
      const sampleRss = () => rss.push(started.rssBytes());
      await waitUntil(
        async () => {
          sampleRss();
          const depth = await seeder.queue.depth();
          return depth.inFlight >= RUNS && depth.visible === 0;
        },
        `all ${RUNS} runs to be running`,
        { timeoutMs: RUN_MS, intervalMs: 250, failIf: () => (started.running ? undefined : 'the worker exited') },
      );
      const allRunningAt = performance.now();
      const rampSeconds = (allRunningAt - seedStarted) / 1000 - seedSeconds;
      const ramp = await started.request<EventLoopReport>('eventLoop');
      context.progress(`all ${RUNS} running ${round(rampSeconds, 1)} s after queueing; sampling until they finish`);

      const redisByPattern = await memoryByKeyPattern(redis.client);
      const redisWhileRunning: number[] = [];
      let firstFinishedAt: number | undefined;
      await waitUntil(
        async () => {
          sampleRss();
          const outstanding = await seeder.outstanding();
          if (outstanding === RUNS) redisWhileRunning.push(await redis.usedMemoryBytes());
          else firstFinishedAt ??= performance.now();
          return outstanding === 0;
        },
        'every run to finish',
        { timeoutMs: RUN_MS + 90_000, intervalMs: 500, failIf: () => (started.running ? undefined : 'the worker exited') },
      ).catch((error: unknown) => context.progress(`not every run finished: ${(error as Error).message}`));
      const running = await started.request<EventLoopReport>('eventLoop');
      const workerCores = workerCpu.coresUsed();
      const otherOnServerCpu = serverBusy ? Math.max(serverBusy.busyShare() - workerCores, 0) : 0;

      const stalls = await countStalls(seeder, runs);
      const peakRssMB = Math.max(...rss) / 2 ** 20;
      const redisBytesPerRun = (median(redisWhileRunning.length > 0 ? redisWhileRunning : [Number.NaN]) - redisBefore) / RUNS;
      const eventLoopP99Ms = Math.max(ramp.p99Ms, running.p99Ms);
      const depth = await seeder.queue.depth();
      const measurement = {
        value: peakRssMB,
        figures: {
          redisKBPerRun: redisBytesPerRun / 1024,
          redisBytesPerRun,
          eventLoopP99Ms,
          stalls: stalls.total,
          idleRssMB: idleRssBytes / 2 ** 20,
          rampSeconds,
          workerCores,
          otherOnServerCpu,
        },
        inputs: {
          runs: RUNS,
          runSeconds: RUN_MS / 1000,
          agent: `simulate {durationMs: ${RUN_MS}}`,
          workerSlots: RUNS,
          queueDriver: 'bullmq',
          leaseSeconds: 30,
          rss: 'peak of /proc/<pid>/status VmRSS, sampled every 250–500 ms',
          redis: 'median used_memory while all runs were running, minus used_memory before any run was created',
          eventLoop: 'monitorEventLoopDelay, 10 ms resolution, in the worker (bench/probe); worse of the ramp and run phases',
          stall: 'a run with more than one attempt, not succeeded, or not finished within 90 s of its end',
        },
        trials: [
          {
            seedSeconds,
            rampSeconds,
            idleRssMB: idleRssBytes / 2 ** 20,
            peakRssMB,
            redisUsedBefore: redisBefore,
            redisUsedWhileRunning: redisWhileRunning,
            eventLoop: { ramp, running },
            redisByKeyPattern: redisByPattern.slice(0, 12),
            stalls,
            deadLettered: depth.deadLettered,
            secondsUntilFirstFinish: firstFinishedAt === undefined ? undefined : (firstFinishedAt - allRunningAt) / 1000,
          },
        ],
        pinning: pinningReport(context.plan, { server: started.pid, 'load generator': process.pid, redis: redis.pid }),
        notes: [
          `Idle the worker held ${round(idleRssBytes / 2 ** 20, 1)} MB; with ${RUNS} runs ${round(peakRssMB, 1)} MB at peak, about ${round((peakRssMB * 2 ** 20 - idleRssBytes) / RUNS / 1024, 1)} KB per run.`,
          `Event-loop delay p99: ${round(ramp.p99Ms, 1)} ms while ${RUNS} runs were created and started (max ${round(ramp.maxMs, 1)} ms), ${round(running.p99Ms, 1)} ms while they ran and finished (max ${round(running.maxMs, 1)} ms).`,
          `Redis per running run, by key: ${perRun(redisByPattern)}.`,
        ],
      };
      // Memory is explained by the key breakdown above; only a slow event loop needs a CPU profile.
      if (eventLoopP99Ms <= EVENT_LOOP_GOAL_MS) return { measurement };

      context.progress(`event-loop goal missed: profiling the worker through a second ramp of ${RUNS} runs`);
      await redis.flush();
      const profile = await captureProfile(context, 'concurrency', {
        process: started,
        load: async () => {
          await seeder.enqueue(await seeder.createRuns(RUNS, runSpec('simulate', { durationMs: RUN_MS })));
          await waitUntil(async () => (await seeder.queue.depth()).inFlight >= RUNS, `all ${RUNS} runs to be running again`, { timeoutMs: RUN_MS, intervalMs: 250 });
        },
        context: [`agentfleet worker (WORKER_SLOTS=${RUNS}, BullMQ) taking ${RUNS} queued 30 s runs until all are running (the ramp)`],
      });
      measurement.notes.push(`Where the worker's CPU goes during the ramp: ${profile.headline}.`);
      return { measurement, profile: profile.path };
    } finally {
      await worker?.stop();
      await seeder.close();
      await redis.stop();
    }
  },
};

async function countStalls(seeder: RunSeeder, runs: readonly Run[]): Promise<{ total: number; retried: number; notSucceeded: number }> {
  let retried = 0;
  let notSucceeded = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < runs.length) {
        const id = (runs[next++] as Run).id;
        const run = await seeder.store.get(BENCH_TENANT, id);
        if (!run || run.status !== 'succeeded') notSucceeded += 1;
        else if (run.attempts.length > 1) retried += 1;
      }
    }),
  );
  return { total: retried + notSucceeded, retried, notSucceeded };
}

/** "af:run:* (10000 keys) 1,180 B, af:queued (1 key) 95 B, ...": the biggest patterns, divided by the runs. */
function perRun(usage: KeyPatternUsage[]): string {
  return usage
    .slice(0, 8)
    .map((group) => `${group.pattern} (${group.keys} key${group.keys === 1 ? '' : 's'}) ${Math.round(group.bytes / RUNS)} B`)
    .join(', ');
}
