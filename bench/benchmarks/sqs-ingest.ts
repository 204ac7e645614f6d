import { join } from 'node:path';
import { compiledPath } from '../harness/build.js';
import type { Benchmark } from '../harness/benchmark.js';
import type { ClosedLoopResult } from '../harness/closed-loop.js';
import { pinningReport } from '../harness/pinning.js';
import { BenchProcess } from '../harness/processes.js';
import { CpuBusyMeter, CpuMeter } from '../harness/proc-stats.js';
import { runHttpLoad } from '../harness/http-load.js';
import { INGEST_CONNECTIONS, ingestLoad } from '../harness/ingest-load.js';
import { captureProfile } from '../harness/profiling.js';
import { startBenchRedis, type BenchRedis } from '../harness/redis.js';
import { newTenant, startApiProcess, type RunningApi } from '../harness/stack.js';
import { median, round } from '../harness/stats.js';

/**
 * Issue 5 §2. How close the SQS queue driver comes to what the SQS endpoint (fauxqs) accepts: run
 * messages sent through the driver's `send`, 50 in flight as 50 API connections would, against raw
 * SendMessageBatch calls of 10 with the same 50 messages in flight. Both from one process on the
 * server CPU, fauxqs in its own process on the other CPU; trials alternate and the queue is purged
 * before each, so both see the same, empty server. Then, for the production path, accepted runs/s of
 * `agentfleet api` with QUEUE_DRIVER=sqs under the API ingest load (reported, no goal of its own).
 */

const IN_FLIGHT = 50;

interface SendTrial {
  messagesPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  senderCores: number;
  fauxqsCores: number;
  /** Share of the server's CPU taken by processes outside the benchmark. */
  otherOnServerCpu: number;
}

export const sqsIngest: Benchmark = {
  name: 'sqs-ingest',
  title: 'SQS driver ingest (fauxqs)',
  unit: 'msgs/s',
  goals: [{ figure: 'ratio', op: '>=', target: 0.7, label: 'ratio to raw SendMessageBatch' }],
  async run(context) {
    const { plan, timing } = context;
    const fauxqs = BenchProcess.start({
      name: 'fauxqs',
      script: compiledPath(context.build, 'bench/servers/fauxqs.ts'),
      cpus: plan.backing,
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
      logFile: join(context.logDir, 'sqs-ingest.fauxqs.log'),
    });
    let sender: BenchProcess | undefined;
    let redis: BenchRedis | undefined;
    let api: RunningApi | undefined;
    try {
      const sqs = await fauxqs.announcement<{ type: string; endpoint: string; queueUrl: string; dlqUrl: string }>('ready');
      const started = BenchProcess.start({
        name: 'sqs sender',
        script: compiledPath(context.build, 'bench/clients/sqs-send.ts'),
        args: [sqs.endpoint, sqs.queueUrl, sqs.dlqUrl],
        cpus: plan.server,
        nodeArgs: ['--import', compiledPath(context.build, 'bench/probe/service-probe.ts')],
        env: { PATH: process.env.PATH, NODE_ENV: 'production' },
        logFile: join(context.logDir, 'sqs-ingest.sender.log'),
      });
      sender = started;
      await started.announcement('ready');
      const trial = async (mode: 'driver' | 'raw', seconds: number): Promise<SendTrial> => {
        await started.request('purge');
        const senderCpu = new CpuMeter(started.pid);
        const fauxqsCpu = new CpuMeter(fauxqs.pid);
        const serverBusy = plan.server === undefined ? undefined : new CpuBusyMeter(plan.server);
        const result = await started.request<ClosedLoopResult>(mode, { inFlight: IN_FLIGHT, durationMs: seconds * 1000 });
        if (!result.latency) throw new Error(`${mode}: no message was sent`);
        const senderCores = senderCpu.coresUsed();
        return {
          messagesPerSecond: result.itemsPerSecond,
          p50: result.latency.p50,
          p95: result.latency.p95,
          p99: result.latency.p99,
          senderCores,
          fauxqsCores: fauxqsCpu.coresUsed(),
          otherOnServerCpu: serverBusy ? Math.max(serverBusy.busyShare() - senderCores, 0) : 0,
        };
      };

      context.progress(`warming up raw SendMessageBatch and the driver (${timing.warmupSeconds} s each)`);
      await trial('raw', timing.warmupSeconds);
      await trial('driver', timing.warmupSeconds);
      const rawTrials: SendTrial[] = [];
      const driverTrials: SendTrial[] = [];
      for (let index = 1; index <= timing.trials; index += 1) {
        context.progress(`trial ${index}/${timing.trials}: raw SendMessageBatch, then the SQS driver (${timing.trialSeconds} s each)`);
        rawTrials.push(await trial('raw', timing.trialSeconds));
        driverTrials.push(await trial('driver', timing.trialSeconds));
      }

      context.progress(`agentfleet api with the SQS driver, ${INGEST_CONNECTIONS} connections (${timing.trials} × ${timing.trialSeconds} s)`);
      redis = await startBenchRedis(plan);
      const tenant = newTenant();
      const queue = { driver: 'sqs' as const, endpoint: sqs.endpoint, queueUrl: sqs.queueUrl, dlqUrl: sqs.dlqUrl };
      const runningApi = await startApiProcess(context, { redisUrl: redis.url, queueName: 'bench-sqs', queue }, tenant, { logName: 'sqs-ingest.api' });
      api = runningApi;
      await runHttpLoad(ingestLoad(runningApi.url, tenant.key, timing.warmupSeconds));
      const apiTrials: { runsPerSecond: number; p99: number; rejected: number }[] = [];
      for (let index = 1; index <= timing.trials; index += 1) {
        await started.request('purge');
        const result = await runHttpLoad(ingestLoad(runningApi.url, tenant.key, timing.trialSeconds));
        const rejected = Object.values(result.otherStatuses).reduce((sum, count) => sum + count, 0) + result.errors + result.timeouts;
        apiTrials.push({ runsPerSecond: result.okPerSecond, p99: result.latency?.p99 ?? Number.NaN, rejected });
      }
      const apiRate = median(apiTrials.map((t) => t.runsPerSecond));
      const apiP99 = median(apiTrials.map((t) => t.p99));

      const of = (trials: SendTrial[], key: keyof SendTrial) => median(trials.map((t) => t[key]));
      const driverRate = of(driverTrials, 'messagesPerSecond');
      const rawRate = of(rawTrials, 'messagesPerSecond');
      const measurement = {
        value: driverRate,
        ceiling: { name: 'raw SendMessageBatch', value: rawRate },
        latency: { p50: of(driverTrials, 'p50'), p95: of(driverTrials, 'p95'), p99: of(driverTrials, 'p99') },
        figures: { apiRunsPerSecond: apiRate, apiP99Ms: apiP99, otherOnServerCpu: of(driverTrials, 'otherOnServerCpu') },
        inputs: {
          messagesInFlight: IN_FLIGHT,
          driver: 'SqsDriver.send, one message per call',
          ceiling: `SendMessageBatch of 10, ${IN_FLIGHT / 10} calls in flight, keep-alive agent like the driver's`,
          server: 'fauxqs 1.9.2 in its own process',
          message: 'a run message of the size the API sends',
          warmupSeconds: timing.warmupSeconds,
          trialSeconds: timing.trialSeconds,
          trials: timing.trials,
        },
        trials: driverTrials.map((t, index) => ({ trial: index + 1, driver: t, raw: rawTrials[index], api: apiTrials[index] })),
        ceilings: {
          sendMessageBatch: { value: rawRate, unit: 'msgs/s', description: 'raw SendMessageBatch of 10 against the same fauxqs', trials: rawTrials.map((t) => t.messagesPerSecond) },
        },
        pinning: pinningReport(plan, { server: started.pid, 'load generator': process.pid, fauxqs: fauxqs.pid, redis: redis.pid }),
        notes: [
          `Through agentfleet api with the SQS driver (full stack, ${INGEST_CONNECTIONS} connections, Redis and fauxqs on the generator's CPU): ${round(apiRate)} runs/s, p99 ${round(apiP99)} ms.`,
          `Latency columns are the driver's send calls. Sender CPU: ${round(of(driverTrials, 'senderCores'), 2)} cores with the driver, ${round(of(rawTrials, 'senderCores'), 2)} raw; fauxqs CPU: ${round(of(driverTrials, 'fauxqsCores'), 2)} cores with the driver, ${round(of(rawTrials, 'fauxqsCores'), 2)} raw.`,
          ...(of(driverTrials, 'otherOnServerCpu') > 0.1
            ? [`Processes outside the benchmark took ${Math.round(of(driverTrials, 'otherOnServerCpu') * 100)} % of the sender's CPU: the machine was shared.`]
            : []),
        ],
      };
      if (!context.missesGoal(measurement)) return { measurement };
      context.progress('goal missed: profiling the sending process while it sends through the driver');
      const profile = await captureProfile(context, 'sqs-ingest', {
        process: started,
        load: async () => void (await trial('driver', timing.trialSeconds)),
        context: [`the sending process (SqsDriver.send, ${IN_FLIGHT} in flight) against fauxqs`],
      });
      measurement.notes.push(`Where the sender's CPU goes: ${profile.headline}.`);
      return { measurement, profile: profile.path };
    } finally {
      await Promise.allSettled([api?.process.stop(), sender?.stop(), fauxqs.stop()]);
      await redis?.stop();
    }
  },
};
