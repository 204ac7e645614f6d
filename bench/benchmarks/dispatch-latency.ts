import { join } from 'node:path';
import { Queue } from 'bullmq';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { compiledPath } from '../harness/build.js';
import type { Benchmark } from '../harness/benchmark.js';
import { runPaced, type PacedResult } from '../harness/paced.js';
import { pinningReport } from '../harness/pinning.js';
import { BenchProcess } from '../harness/processes.js';
import { CpuBusyMeter, CpuMeter } from '../harness/proc-stats.js';
import { captureProfile } from '../harness/profiling.js';
import { startBenchRedis } from '../harness/redis.js';
import { sampleRunMessage } from '../harness/sample-message.js';
import { BENCH_TENANT, RunSeeder, runSpec } from '../harness/seeder.js';
import { startWorkerProcess, type StackConfig } from '../harness/stack.js';
import { median, round, summarize, type LatencySummary } from '../harness/stats.js';
import { waitUntil } from '../harness/wait.js';

/**
 * Issue 5 §3. Enqueue → agent start at 1,000 runs/s through one `agentfleet worker` (BullMQ
 * driver). Each run is created in the store as the API would, then stamped with
 * process.hrtime.bigint() (CLOCK_MONOTONIC: one clock for every process of the machine) just before
 * its message is sent; the no-op agent bench/agents/report-start.mjs returns the moment it started.
 * Ceiling: a bare BullMQ Worker at the same concurrency, jobs stamped the same way before `add`.
 * Open loop (arrivals do not wait), trials alternate between the two.
 */

const RATE = 1_000;
const SLOTS = 50;
const STACK_QUEUE = 'bench-dispatch';
const RAW_QUEUE = 'bench-dispatch-raw';

interface LatencyTrial extends LatencySummary {
  achievedRate: number;
  failed: number;
  /** CPU the consumer used while the trial's runs were sent and drained, in cores. */
  consumerCores: number;
  /** Share of the consumer's CPU taken by processes outside the benchmark. */
  otherOnServerCpu: number;
}

/** What one trial's runs tell, before the CPU meters are added. */
type TrialLatencies = Omit<LatencyTrial, 'consumerCores' | 'otherOnServerCpu'>;

export const dispatchLatency: Benchmark = {
  name: 'dispatch-latency',
  title: 'Dispatch latency at 1,000 runs/s',
  unit: 'ms p50',
  goals: [
    { figure: 'p50', op: '<=', target: 4, unit: 'ms' },
    { figure: 'p99', op: '<=', target: 50, unit: 'ms' },
  ],
  async run(context) {
    const { timing } = context;
    const redis = await startBenchRedis(context.plan);
    const config: StackConfig = {
      redisUrl: redis.url,
      queueName: STACK_QUEUE,
      queue: { driver: 'bullmq' },
      extra: { WORKER_SLOTS: String(SLOTS), AGENTS_FILE: join(context.root, 'bench', 'agents', 'agents.json'), SHUTDOWN_GRACE_SECONDS: '5' },
    };
    const seeder = new RunSeeder(redis.url, STACK_QUEUE);
    const rawQueue = new Queue(RAW_QUEUE, { connection: { url: redis.url, maxRetriesPerRequest: null }, skipVersionCheck: true, defaultJobOptions: { removeOnComplete: true } });
    const worker = startWorkerProcess(context, config, { logName: 'dispatch-latency.worker' });
    const raw = BenchProcess.start({
      name: 'raw bullmq worker',
      script: compiledPath(context.build, 'bench/ceilings/bullmq-worker.ts'),
      args: [redis.url, RAW_QUEUE, String(SLOTS)],
      cpus: context.plan.server,
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
      logFile: join(context.logDir, 'dispatch-latency.raw.log'),
    });
    try {
      await raw.announcement('ready');
      const stackTrial = (seconds: number) => metered(context.plan.server, worker.pid, () => sendToStack(seeder, seconds));
      const rawTrial = (seconds: number) => metered(context.plan.server, raw.pid, () => sendToRaw(rawQueue, raw, seconds));

      context.progress(`warming up both consumers at ${RATE} runs/s (${timing.warmupSeconds} s each)`);
      await stackTrial(timing.warmupSeconds);
      await rawTrial(timing.warmupSeconds);
      const stackTrials: LatencyTrial[] = [];
      const rawTrials: LatencyTrial[] = [];
      for (let trial = 1; trial <= timing.trials; trial += 1) {
        context.progress(`trial ${trial}/${timing.trials}: raw BullMQ worker, then agentfleet worker (${timing.trialSeconds} s each at ${RATE}/s)`);
        rawTrials.push(await rawTrial(timing.trialSeconds));
        stackTrials.push(await stackTrial(timing.trialSeconds));
      }

      const of = (trials: LatencyTrial[], key: 'p50' | 'p95' | 'p99' | 'achievedRate' | 'consumerCores' | 'otherOnServerCpu') =>
        median(trials.map((t) => t[key]));
      const measurement = {
        value: of(stackTrials, 'p50'),
        ceiling: { name: 'raw BullMQ p50', value: of(rawTrials, 'p50') },
        latency: { p50: of(stackTrials, 'p50'), p95: of(stackTrials, 'p95'), p99: of(stackTrials, 'p99') },
        figures: { rawP99: of(rawTrials, 'p99'), achievedRate: of(stackTrials, 'achievedRate'), otherOnServerCpu: of(stackTrials, 'otherOnServerCpu') },
        inputs: {
          ratePerSecond: RATE,
          slots: SLOTS,
          agent: 'bench-start (module agent returning its start time)',
          queueDriver: 'bullmq',
          warmupSeconds: timing.warmupSeconds,
          trialSeconds: timing.trialSeconds,
          trials: timing.trials,
          clock: 'process.hrtime.bigint() (CLOCK_MONOTONIC, shared by all processes)',
          enqueuedAt: 'after the run record is created, just before the queue send',
        },
        trials: stackTrials.map((t, index) => ({ trial: index + 1, worker: t, raw: rawTrials[index] })),
        ceilings: {
          bullmqWorker: {
            value: of(rawTrials, 'p50'),
            unit: 'ms p50',
            description: `bare BullMQ Worker, concurrency ${SLOTS}, jobs added at ${RATE}/s; its p99 is ${round(of(rawTrials, 'p99'))} ms`,
            trials: rawTrials.map((t) => t.p50),
          },
        },
        pinning: pinningReport(context.plan, { server: worker.pid, 'load generator': process.pid, redis: redis.pid }),
        notes: [
          'The ratio here is a latency multiple: agentfleet p50 ÷ raw BullMQ p50 (lower is better).',
          `The agentfleet worker used ${round(of(stackTrials, 'consumerCores'), 2)} cores at ${RATE} runs/s, the raw BullMQ worker ${round(of(rawTrials, 'consumerCores'), 2)}.`,
          ...(of(stackTrials, 'achievedRate') < RATE * 0.95 ? [`The sender reached only ${round(of(stackTrials, 'achievedRate'))} runs/s.`] : []),
          ...(of(stackTrials, 'otherOnServerCpu') > 0.1
            ? [`Processes outside the benchmark took ${Math.round(of(stackTrials, 'otherOnServerCpu') * 100)} % of the worker's CPU: the machine was shared, and a worker short of CPU queues runs up.`]
            : []),
        ],
      };
      if (!context.missesGoal(measurement)) return { measurement };
      context.progress('goal missed: profiling the agentfleet worker under the same load');
      const profile = await captureProfile(context, 'dispatch-latency', {
        process: worker,
        load: async () => void (await stackTrial(timing.trialSeconds)),
        context: [`agentfleet worker (${SLOTS} slots, BullMQ driver) receiving ${RATE} no-op runs/s`],
      });
      measurement.notes.push(`Where the worker's CPU goes: ${profile.headline}.`);
      return { measurement, profile: profile.path };
    } finally {
      await Promise.allSettled([worker.stop(), raw.stop()]);
      await rawQueue.close();
      await seeder.close();
      await redis.stop();
    }
  },
};

async function sendToStack(seeder: RunSeeder, seconds: number): Promise<TrialLatencies> {
  const enqueued = new Map<string, bigint>();
  const spec = runSpec('bench-start', {});
  const paced = await runPaced(RATE, seconds * 1000, async () => {
    const { run } = await seeder.store.create(BENCH_TENANT, spec);
    enqueued.set(run.id, process.hrtime.bigint());
    await seeder.queue.send(encodeRunMessage(messageForRun(run)));
  });
  await drained(() => seeder.outstanding());
  const latencies: number[] = [];
  let failed = paced.failed;
  await Promise.all(
    [...enqueued].map(async ([id, enqueuedNs]) => {
      const run = await seeder.store.get(BENCH_TENANT, id);
      const startedNs = (run?.result as { startedNs?: string } | undefined)?.startedNs;
      if (run?.status !== 'succeeded' || startedNs === undefined) failed += 1;
      else latencies.push(Number(BigInt(startedNs) - enqueuedNs) / 1e6);
    }),
  );
  return trialOf(latencies, paced, failed);
}

async function sendToRaw(queue: Queue, raw: BenchProcess, seconds: number): Promise<TrialLatencies> {
  let sequence = 0;
  const paced = await runPaced(RATE, seconds * 1000, async () => {
    await queue.add('run', { body: sampleRunMessage(++sequence), enqueuedNs: process.hrtime.bigint().toString() });
  });
  await drained(async () => {
    const counts = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  });
  const latencies = await raw.request<number[]>('latencies');
  return trialOf(latencies, paced, paced.failed + Math.max(paced.sent - paced.failed - latencies.length, 0));
}

async function drained(outstanding: () => Promise<number>): Promise<void> {
  await waitUntil(async () => (await outstanding()) === 0, 'the consumer to finish the trial', { timeoutMs: 60_000, intervalMs: 50 });
}

async function metered(serverCpu: string | undefined, pid: number, trial: () => Promise<TrialLatencies>): Promise<LatencyTrial> {
  const consumer = new CpuMeter(pid);
  const busy = serverCpu === undefined ? undefined : new CpuBusyMeter(serverCpu);
  const result = await trial();
  const consumerCores = consumer.coresUsed();
  return { ...result, consumerCores, otherOnServerCpu: busy ? Math.max(busy.busyShare() - consumerCores, 0) : 0 };
}

function trialOf(latencies: number[], paced: PacedResult, failed: number): TrialLatencies {
  if (latencies.length === 0) throw new Error(`no run started (${failed} failed${paced.firstError ? `: ${paced.firstError}` : ''})`);
  return { ...summarize(latencies), achievedRate: paced.ratePerSecond, failed };
}

