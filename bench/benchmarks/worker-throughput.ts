import { join } from 'node:path';
import { Queue } from 'bullmq';
import { compiledPath } from '../harness/build.js';
import type { Benchmark, BenchContext } from '../harness/benchmark.js';
import { measureDrain, QueueTooShortError, type DrainResult } from '../harness/drain.js';
import { pinningReport } from '../harness/pinning.js';
import { BenchProcess } from '../harness/processes.js';
import { CpuBusyMeter, CpuMeter } from '../harness/proc-stats.js';
import { captureProfile } from '../harness/profiling.js';
import { startBenchRedis, type BenchRedis } from '../harness/redis.js';
import { sampleRunMessage } from '../harness/sample-message.js';
import { RunSeeder, runSpec } from '../harness/seeder.js';
import { startWorkerProcess, type StackConfig } from '../harness/stack.js';
import { median, round } from '../harness/stats.js';

/**
 * Issue 5 §4. No-op runs per second through one `agentfleet worker` process, every state
 * transition included (start under a lease, finish, ack): the queue is filled with `simulate
 * {durationMs: 0}` runs (records and messages, as the API makes them), the worker is started, and
 * the rate is taken while it drains. Ceiling: a bare BullMQ Worker with a no-op processor at the
 * same concurrency, draining the same number of run-sized jobs. Trials alternate between the two.
 */

const SLOTS = 50;
const QUEUE = 'bench-throughput';
const FIRST_GUESS = { raw: 40_000, stack: 15_000 };

interface DrainTrial extends DrainResult {
  seeded: number;
  consumerCores: number;
  redisCores: number;
  otherOnServerCpu: number;
}

export const workerThroughput: Benchmark = {
  name: 'worker-throughput',
  title: 'Worker throughput (no-op runs)',
  unit: 'runs/s',
  goals: [{ figure: 'ratio', op: '>=', target: 0.45, label: 'ratio to raw BullMQ worker' }],
  async run(context) {
    const { timing } = context;
    const redis = await startBenchRedis(context.plan);
    const config: StackConfig = {
      redisUrl: redis.url,
      queueName: QUEUE,
      queue: { driver: 'bullmq' },
      extra: { WORKER_SLOTS: String(SLOTS), SHUTDOWN_GRACE_SECONDS: '5' },
    };
    const seeder = new RunSeeder(redis.url, QUEUE);
    const rawQueue = new Queue(QUEUE, { connection: { url: redis.url, maxRetriesPerRequest: null }, skipVersionCheck: true });
    const sizes = { ...FIRST_GUESS };
    const wanted = (rate: number) => Math.ceil(rate * (timing.warmupSeconds + timing.trialSeconds) * 1.5 + 2_000);
    const rawTrials: DrainTrial[] = [];
    const stackTrials: DrainTrial[] = [];
    let pinning = pinningReport(context.plan, {});
    let lastWorker: BenchProcess | undefined;
    try {
      for (let trial = 1; trial <= timing.trials; trial += 1) {
        context.progress(`trial ${trial}/${timing.trials}: raw BullMQ worker draining ${sizes.raw} jobs`);
        const raw = await drainWith(context, redis, sizes.raw, {
          seed: async (count) => {
            for (let start = 0; start < count; start += 1_000) {
              const chunk = Array.from({ length: Math.min(1_000, count - start) }, (_, i) => ({ name: 'run', data: { body: sampleRunMessage(start + i) } }));
              await rawQueue.addBulk(chunk);
            }
          },
          remaining: async () => {
            const counts = await rawQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
            return Object.values(counts).reduce((sum, count) => sum + count, 0);
          },
          start: () =>
            BenchProcess.start({
              name: 'raw bullmq worker',
              script: compiledPath(context.build, 'bench/ceilings/bullmq-worker.ts'),
              args: [redis.url, QUEUE, String(SLOTS)],
              cpus: context.plan.server,
              env: { PATH: process.env.PATH, NODE_ENV: 'production' },
              logFile: join(context.logDir, `worker-throughput.raw-${trial}.log`),
            }),
        });
        rawTrials.push(raw.trial);
        sizes.raw = Math.max(raw.trial.seeded, wanted(raw.trial.ratePerSecond));

        context.progress(`trial ${trial}/${timing.trials}: agentfleet worker draining ${sizes.stack} runs`);
        // The last trial's worker stays up, in case a profile of it is needed.
        const stack = await drainWith(context, redis, sizes.stack, {
          seed: async (count) => seeder.enqueue(await seeder.createRuns(count, runSpec('simulate', { durationMs: 0 }))),
          remaining: () => seeder.outstanding(),
          start: () => startWorkerProcess(context, config, { logName: `worker-throughput.worker-${trial}` }),
          keepRunning: trial === timing.trials,
        });
        stackTrials.push(stack.trial);
        sizes.stack = Math.max(stack.trial.seeded, wanted(stack.trial.ratePerSecond));
        lastWorker = stack.worker;
      }
      if (lastWorker) pinning = pinningReport(context.plan, { server: lastWorker.pid, 'load generator': process.pid, redis: redis.pid });
      const measurement = measurementOf(rawTrials, stackTrials, pinning, timing);
      if (!lastWorker || !context.missesGoal(measurement)) return { measurement };

      context.progress('goal missed: profiling the agentfleet worker while it drains another batch');
      await redis.flush();
      const count = sizes.stack;
      await seeder.enqueue(await seeder.createRuns(count, runSpec('simulate', { durationMs: 0 })));
      const profile = await captureProfile(context, 'worker-throughput', {
        process: lastWorker,
        load: async () =>
          void (await measureDrain({ total: count, remaining: () => seeder.outstanding(), warmupSeconds: 0.5, windowSeconds: timing.trialSeconds, startTimeoutMs: 30_000 })),
        context: [`agentfleet worker (${SLOTS} slots, BullMQ driver) draining ${count} simulate {durationMs: 0} runs, after the trials`],
      });
      measurement.notes.push(`Where the worker's CPU goes: ${profile.headline}.`);
      return { measurement, profile: profile.path };
    } finally {
      await lastWorker?.stop();
      await rawQueue.close();
      await seeder.close();
      await redis.stop();
    }
  },
};

interface DrainPlan {
  seed(count: number): Promise<void>;
  remaining(): Promise<number>;
  start(): BenchProcess;
  /** Leave the consumer running (for a profile) instead of stopping it. */
  keepRunning?: boolean;
}

/** Tries of a drain whose queue ran out before its window opened, each with three times the runs. */
const MAX_SEEDINGS = 3;

/**
 * Drains `count` messages; when the consumer was faster than the first guess (the queue ran low
 * during the warm-up) it tries again with three times as many, rather than giving up.
 */
async function drainWith(context: BenchContext, redis: BenchRedis, count: number, plan: DrainPlan): Promise<{ trial: DrainTrial; worker?: BenchProcess }> {
  for (let seeding = 1; ; seeding += 1) {
    try {
      return await drainOnce(context, redis, count * 3 ** (seeding - 1), plan);
    } catch (error) {
      if (!(error instanceof QueueTooShortError) || seeding === MAX_SEEDINGS) throw error;
      context.progress(`${error.message}: seeding ${count * 3 ** seeding} instead`);
    }
  }
}

async function drainOnce(context: BenchContext, redis: BenchRedis, count: number, plan: DrainPlan): Promise<{ trial: DrainTrial; worker?: BenchProcess }> {
  await redis.flush();
  await plan.seed(count);
  const consumer = plan.start();
  try {
    const consumerCpu = await startedMeter(consumer);
    const redisCpu = new CpuMeter(redis.pid);
    const serverBusy = context.plan.server === undefined ? undefined : new CpuBusyMeter(context.plan.server);
    const drained = await measureDrain({
      total: count,
      remaining: () => plan.remaining(),
      warmupSeconds: context.timing.warmupSeconds,
      windowSeconds: context.timing.trialSeconds,
      startTimeoutMs: 60_000,
    });
    const consumerCores = consumerCpu.coresUsed();
    const trial: DrainTrial = {
      ...drained,
      seeded: count,
      consumerCores,
      redisCores: redisCpu.coresUsed(),
      otherOnServerCpu: serverBusy ? Math.max(serverBusy.busyShare() - consumerCores, 0) : 0,
    };
    if (plan.keepRunning) return { trial, worker: consumer };
    await consumer.stop();
    return { trial };
  } catch (error) {
    await consumer.stop();
    throw error;
  }
}

/** A CPU meter on a process that has just been spawned (its /proc entry exists once it has a pid). */
async function startedMeter(process: BenchProcess): Promise<CpuMeter> {
  for (let tries = 0; ; tries += 1) {
    try {
      return new CpuMeter(process.pid);
    } catch (error) {
      if (tries > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function measurementOf(rawTrials: DrainTrial[], stackTrials: DrainTrial[], pinning: ReturnType<typeof pinningReport>, timing: BenchContext['timing']) {
  const stackRate = median(stackTrials.map((t) => t.ratePerSecond));
  const rawRate = median(rawTrials.map((t) => t.ratePerSecond));
  const workerCores = median(stackTrials.map((t) => t.consumerCores));
  const perCore = (trials: DrainTrial[]) => median(trials.map((t) => t.ratePerSecond / Math.max(t.consumerCores, 0.01)));
  const other = median(stackTrials.map((t) => t.otherOnServerCpu));
  const notes = [
    `While draining, the agentfleet worker used ${round(workerCores, 2)} cores and Redis ${round(median(stackTrials.map((t) => t.redisCores)), 2)}; the raw BullMQ worker used ${round(median(rawTrials.map((t) => t.consumerCores)), 2)} cores.`,
    `Per CPU-second: the agentfleet worker finished ${round(perCore(stackTrials))} runs, the raw BullMQ worker ${round(perCore(rawTrials))} jobs (ratio ${round(perCore(stackTrials) / perCore(rawTrials))}).`,
    `Per run the agentfleet worker makes the store's start (2 round trips), finish (1) and the queue's fetch and ack; raw BullMQ makes fetch and complete only.`,
  ];
  if (other > 0.1) notes.push(`Processes outside the benchmark took ${Math.round(other * 100)} % of the worker's CPU: the machine was shared.`);
  return {
    value: stackRate,
    ceiling: { name: 'raw BullMQ worker', value: rawRate },
    // Runs per CPU-second of the worker: what a whole core would give, even on a shared machine.
    figures: {
      workerCores,
      workerRunsPerCoreSecond: perCore(stackTrials),
      rawJobsPerCoreSecond: perCore(rawTrials),
      cpuNormalizedRatio: perCore(stackTrials) / perCore(rawTrials),
      otherOnServerCpu: other,
    },
    inputs: {
      slots: SLOTS,
      agent: 'simulate {durationMs: 0}',
      queueDriver: 'bullmq',
      warmupSeconds: timing.warmupSeconds,
      windowSeconds: timing.trialSeconds,
      trials: timing.trials,
      ceiling: `BullMQ Worker, concurrency ${SLOTS}, no-op processor, removeOnComplete`,
    },
    trials: stackTrials.map((t, index) => ({ trial: index + 1, worker: t, raw: rawTrials[index] })),
    ceilings: {
      bullmqWorker: { value: rawRate, unit: 'jobs/s', description: `bare BullMQ Worker, concurrency ${SLOTS}, no-op processor`, trials: rawTrials.map((t) => t.ratePerSecond) },
    },
    pinning,
    notes,
  };
}
