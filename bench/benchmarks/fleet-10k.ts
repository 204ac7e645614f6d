import { cpus } from 'node:os';
import type { Benchmark } from '../harness/benchmark.js';
import { runFleet, type FleetRunOptions, type FleetRunRecord } from '../harness/fleet-run.js';
import { commandsPerSecond, dispatchWaitsMs, peakRunning, samplesAtOrAbove, summarizeQueueWaits } from '../harness/fleet-samples.js';
import type { Measurement } from '../harness/result.js';
import { median, round, summarize } from '../harness/stats.js';

/**
 * Issue 9 §7. 10,000 runs of a 60-second I/O-bound agent (a timer inside the worker that journals
 * its start and end) submitted through `POST /v1/runs` to `agentfleet api`, queued, and run by four
 * `agentfleet worker` processes of 2,500 slots that take runs as they arrive, so every run must be
 * submitted and started before the first one ends (a run costs 3.5–5 ms of CPU end to end, measured:
 * ~0.6–0.9 of a core for 60 s). With `--burst` the runs are queued first and the workers start on
 * the backlog, as the scaler adds capacity for a surge. The production entry points are started as separate
 * processes (as ECS and the ASG start them), not `agentfleet dev`, so that every process carries the
 * probe (its own event-loop delay) and is measured from /proc on its own. The scaler is left out:
 * here it would only start processes, and its decisions are what `agentfleet simulate` covers.
 * Once on BullMQ, then on the SQS driver against fauxqs. Figures come from outside the services:
 * peak running from the run store's `running` index, success from the run records, "executed
 * twice" from the agents' own journal, Redis from INFO.
 */

const FULL = { runs: 10_000, runMs: 60_000, workers: 4 };
/** `--quick`: the same path at a tenth of the size, to check the harness, not a figure to quote. */
const QUICK = { runs: 1_000, runMs: 10_000, workers: 2 };
const TARGET = FULL.runs;

type Driver = FleetRunOptions['driver'];
const PREFIX: Record<Driver, string> = { bullmq: '', sqs: 'sqs' };

/** `peakRunning` for BullMQ, `sqsPeakRunning` for SQS. */
function figureName(driver: Driver, name: string): string {
  const prefix = PREFIX[driver];
  return prefix === '' ? name : `${prefix}${name[0]?.toUpperCase()}${name.slice(1)}`;
}

const goalsFor = (driver: Driver, label: string) => [
  { figure: figureName(driver, 'peakRunning'), op: '>=' as const, target: TARGET, label: `${label}peak running` },
  { figure: figureName(driver, 'succeeded'), op: '>=' as const, target: TARGET, label: `${label}succeeded` },
  { figure: figureName(driver, 'executedTwice'), op: '<=' as const, target: 0, label: `${label}executed twice` },
];

export const fleet10k: Benchmark = {
  name: 'fleet-10k',
  title: '10,000 concurrent 60 s runs: API, queue, 4 workers',
  unit: 'runs at once',
  goals: [...goalsFor('bullmq', ''), ...goalsFor('sqs', 'SQS ')],
  async run(context) {
    const size = context.quick ? QUICK : FULL;
    const options = (driver: Driver): FleetRunOptions => ({ driver, ...size, submitConnections: 32, sampleMs: 250, workersStart: context.burst ? 'after-submission' : 'before-submission' });
    const bullmq = await runFleet(context, options('bullmq'));
    let sqs: FleetRunRecord | undefined;
    let sqsError: string | undefined;
    try {
      sqs = await runFleet(context, options('sqs'));
    } catch (error) {
      sqsError = error instanceof Error ? error.message : String(error);
      context.progress(`sqs: could not run: ${sqsError}`);
    }
    const summaries = [summarizeDriver(bullmq, size.runs, size.runMs), ...(sqs ? [summarizeDriver(sqs, size.runs, size.runMs)] : [])];
    const [main] = summaries as [DriverSummary, ...DriverSummary[]];
    const measurement: Measurement = {
      value: main.figures.peakRunning as number,
      ...(main.queueWait ? { latency: { p50: main.queueWait.p50, p95: main.queueWait.p95, p99: main.queueWait.p99 } } : {}),
      figures: Object.assign({}, ...summaries.map((summary) => prefixed(summary.driver, summary.figures))) as Record<string, number>,
      fleet: { peakRunning: main.figures.peakRunning as number, succeeded: main.figures.succeeded as number, executedTwice: main.figures.executedTwice as number },
      inputs: {
        runs: size.runs,
        runSeconds: size.runMs / 1000,
        agent: 'fleet-journal (bench/agents/agents.json → chaos/agents/record-module.mjs): a timer of input.durationMs inside the worker, journalling start and end',
        submission: `POST /v1/runs, one run per request, 32 connections, to one agentfleet api; ${context.burst ? 'the workers start once every run is queued (--burst: a surge on an idle fleet)' : 'the workers are up and take runs as they arrive'}`,
        workers: `${size.workers} agentfleet worker processes × ${Math.ceil(size.runs / size.workers)} slots (WORKER_SLOTS)`,
        drivers: 'BullMQ on the private Redis; SQS driver against fauxqs 1.9.2 in its own process (run store still on Redis)',
        peakRunning: "most runs at once in the run store's running index (ZCARD every 250 ms)",
        queueWait: 'startedAt − createdAt of every run, from its record (ms)',
        redis: 'used_memory at full size (median of the samples within 5 % of the peak running count) − before any run, ÷ runs; commands/s = Δ total_commands_processed ÷ Δ time over the same samples (at peak) and from the first submission to the peak (ramp)',
        eventLoop: 'monitorEventLoopDelay (10 ms resolution) in each process (bench/probe), ramp (submit until all running) and run phases',
        executedTwice: "runs whose agent started twice under one attempt number, or completed twice, per the agents' journal",
        ...(context.quick ? { quick: 'a tenth of the size: checks the harness, not a figure to quote' } : {}),
      },
      trials: summaries.map((summary) => summary.trial),
      pinning: bullmq.pinning,
      notes: [...summaries.flatMap((summary) => summary.notes), ...(sqsError ? [`SQS driver: the fleet could not run: ${sqsError}`] : [])],
    };
    return { measurement };
  },
};

interface DriverSummary {
  driver: Driver;
  figures: Record<string, number>;
  queueWait?: { p50: number; p95: number; p99: number };
  trial: Record<string, unknown>;
  notes: string[];
}

function prefixed(driver: Driver, figures: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(figures).map(([name, value]) => [figureName(driver, name), value]));
}

function summarizeDriver(record: FleetRunRecord, runs: number, runMs: number): DriverSummary {
  const peak = peakRunning(record.samples);
  // "At full size": within 5 % of the peak, so a rate has a window even when the peak is one sample.
  const atPeak = samplesAtOrAbove(record.samples, peak.running * 0.95);
  const ramp = record.samples.filter((sample) => sample.atMs >= record.submitStartedMs && sample.atMs <= peak.atMs);
  const redisBytesPerRun = (median(atPeak.map((sample) => sample.usedMemory)) - record.redisUsedBefore) / runs;
  const waits = summarizeQueueWaits(record.runs);
  const dispatchWaits = dispatchWaitsMs(record.runs, record.workersReadyAt);
  const dispatch = dispatchWaits.length > 0 ? summarize(dispatchWaits) : undefined;
  const workers = record.processes.filter((process) => process.role.startsWith('worker'));
  const api = record.processes.find((process) => process.role === 'api');
  const worstLoop = (process: (typeof record.processes)[number]) => Math.max(process.eventLoop.ramp.p99Ms, process.eventLoop.running.p99Ms);
  const slotsPerWorker = Math.ceil(runs / workers.length);
  const workerRssKBPerRun = median(workers.map((worker) => ((worker.peakRssMB - worker.idleRssMB) * 1024) / slotsPerWorker));
  const sum = (cpu: Record<string, number>) => Object.values(cpu).reduce((total, seconds) => total + seconds, 0);
  const rampCores = sum(record.ramp.cpuSeconds) / record.ramp.seconds;
  /** Every process of the fleet, Redis, fauxqs and the submitting runner, over each run's whole life. */
  const cpuMsPerRun = (sum(record.totalCpuSeconds) * 1000) / runs;
  /** To hold every run at once, all must be submitted and started within one run's duration. */
  const coresNeeded = (cpuMsPerRun * runs) / 1000 / (runMs / 1000);
  const figures: Record<string, number> = {
    peakRunning: peak.running,
    succeeded: record.check.succeeded,
    executedTwice: record.check.executedTwice.length,
    retried: record.check.retried,
    neverCompleted: record.check.neverCompleted.length,
    ...(waits ? { queueWaitP50Ms: waits.p50, queueWaitP95Ms: waits.p95, queueWaitP99Ms: waits.p99 } : {}),
    ...(dispatch ? { dispatchWaitP50Ms: dispatch.p50, dispatchWaitP95Ms: dispatch.p95 } : {}),
    workerPeakRssMB: Math.max(...workers.map((worker) => worker.peakRssMB)),
    workerRssKBPerRun,
    apiPeakRssMB: api?.peakRssMB ?? Number.NaN,
    redisBytesPerRun,
    redisOpsPerSecondAtPeak: commandsPerSecond(atPeak) ?? Number.NaN,
    redisOpsPerSecondRamp: commandsPerSecond(ramp) ?? Number.NaN,
    workerEventLoopP99Ms: Math.max(...workers.map(worstLoop)),
    apiEventLoopP99Ms: api ? worstLoop(api) : Number.NaN,
    submitSeconds: (record.submitEndedMs - record.submitStartedMs) / 1000,
    ...(record.allRunningMs === undefined ? {} : { rampSeconds: (record.allRunningMs - record.workersReadyMs) / 1000 }),
    cpuMsPerRun,
    coresNeededForAllAtOnce: coresNeeded,
    rampCoresUsed: rampCores,
    rampLoadAverage: record.ramp.loadAverage,
    ...(record.fauxqsCpuSeconds === undefined ? {} : { fauxqsCpuSeconds: record.fauxqsCpuSeconds }),
    ...(record.fauxqsPeakRssMB === undefined ? {} : { fauxqsPeakRssMB: record.fauxqsPeakRssMB }),
  };
  const name = record.driver === 'bullmq' ? 'BullMQ' : 'SQS (fauxqs)';
  const perProcess = record.processes
    .map((process) => `${process.role} ${round(process.peakRssMB, 1)} MB, loop p99 ${round(process.eventLoop.ramp.p99Ms, 1)}/${round(process.eventLoop.running.p99Ms, 1)} ms`)
    .join('; ');
  return {
    driver: record.driver,
    figures,
    ...(waits ? { queueWait: { p50: waits.p50, p95: waits.p95, p99: waits.p99 } } : {}),
    trial: {
      driver: record.driver,
      figures,
      processes: record.processes,
      check: { ...record.check, executedTwice: record.check.executedTwice.slice(0, 20), neverCompleted: record.check.neverCompleted.slice(0, 20) },
      submitRetries: record.submitRetries,
      submitCpuSeconds: record.submitCpuSeconds,
      ramp: record.ramp,
      totalCpuSeconds: record.totalCpuSeconds,
      secondsAtPeak: atPeak.length > 1 ? ((atPeak.at(-1)?.atMs ?? 0) - (atPeak[0]?.atMs ?? 0)) / 1000 : 0,
      ...(record.allFinishedMs === undefined ? {} : { secondsUntilAllFinished: (record.allFinishedMs - record.submitStartedMs) / 1000 }),
      runningOverTime: thinned(record.samples, record.submitStartedMs),
    },
    notes: [
      `${name}: peak ${peak.running} running at once, ${record.check.succeeded} of ${record.check.submitted} succeeded, ${record.check.executedTwice.length} executed twice (${record.check.executions} executions journalled, ${record.check.retried} runs retried).`,
      `${name}: queue wait p50 ${round(waits?.p50 ?? Number.NaN)} ms, p95 ${round(waits?.p95 ?? Number.NaN)} ms (submission took ${round(figures.submitSeconds as number, 1)} s); from when the workers were ready p50 ${round(dispatch?.p50 ?? Number.NaN)} ms, p95 ${round(dispatch?.p95 ?? Number.NaN)} ms${figures.rampSeconds === undefined ? '' : `; all running ${round(figures.rampSeconds, 1)} s after the workers were ready`}.`,
      `${name}: Redis ${round(redisBytesPerRun)} B per run at the peak (every submitted run's record${record.driver === 'bullmq' ? ' and queue job' : ''} held), ${round(figures.redisOpsPerSecondAtPeak as number)} commands/s at full size, ${round(figures.redisOpsPerSecondRamp as number)} during the ramp.`,
      `${name}: a run costs ${round(cpuMsPerRun)} ms of CPU over its life (API, workers, Redis${record.driver === 'sqs' ? ', fauxqs' : ''} and the submitting runner); holding ${runs} runs of ${runMs / 1000} s at once means submitting and starting them all within ${runMs / 1000} s, about ${round(coresNeeded, 2)} cores. From the first submission until ${record.allRunningMs === undefined ? 'the wait gave up' : 'all were running'} (${round(record.ramp.seconds, 1)} s) the fleet got ${round(rampCores, 2)} cores; the machine's load average was ${round(record.ramp.loadAverage, 1)} on ${cpus().length} cores.`,
      `${name}, per process (peak RSS, event-loop p99 ramp/run): ${perProcess}.`,
    ],
  };
}

/** Running count about every 2 s from the first submission: enough to draw the ramp, short enough to keep in the JSON. */
function thinned(samples: FleetRunRecord['samples'], fromMs: number): [number, number][] {
  const points: [number, number][] = [];
  let lastMs = -Infinity;
  for (const sample of samples) {
    if (sample.atMs < fromMs || sample.atMs - lastMs < 2_000) continue;
    points.push([round((sample.atMs - fromMs) / 1000, 1), sample.running]);
    lastMs = sample.atMs;
  }
  return points;
}
