import test from 'ava';
import { pino } from 'pino';
import {
  attemptCounts,
  outcomeTotals,
  RunMetricsPublisher,
  runMetricsDocument,
  type OutcomeTotals,
} from '../../services/worker/cloudwatch-metrics.js';
import { RUN_METRICS } from '../../environments/names.js';
import { WorkerMetrics } from '../../services/worker/metrics.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, silentLogger } from './helpers/harness.js';

// The error-rate alarm (modules/alerts) reads RunAttemptsFailed / RunAttemptsFinished in namespace
// AgentFleet with the one dimension Environment. Workers publish them as Embedded Metric Format lines.

const source = { environment: 'prod', worker: 'ip-10-0-1-7-1-abc123', pool: 'spot' };

interface EmfDocument {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [member: string]: unknown;
}

test('the EMF document names the alarm\'s namespace, metrics and only dimension, with the counts as root members', (t) => {
  const document = runMetricsDocument({ failed: 3, finished: 40 }, source, 1_767_225_600_000) as unknown as EmfDocument;
  t.deepEqual(document, {
    _aws: {
      Timestamp: 1_767_225_600_000,
      CloudWatchMetrics: [
        {
          Namespace: 'AgentFleet',
          Dimensions: [['Environment']],
          Metrics: [
            { Name: 'RunAttemptsFailed', Unit: 'Count' },
            { Name: 'RunAttemptsFinished', Unit: 'Count' },
          ],
        },
      ],
    },
    Environment: 'prod',
    RunAttemptsFailed: 3,
    RunAttemptsFinished: 40,
    worker: source.worker,
    pool: 'spot',
  });
});

test('the EMF document keeps the specification\'s rules: every dimension is a string member, every metric a number member', (t) => {
  const document = JSON.parse(JSON.stringify(runMetricsDocument({ failed: 0, finished: 7 }, source, Date.now()))) as EmfDocument;
  t.true(Number.isInteger(document._aws.Timestamp));
  for (const directive of document._aws.CloudWatchMetrics) {
    t.true(directive.Dimensions.every((set) => set.length <= 30 && set.every((name) => typeof document[name] === 'string')));
    t.true(directive.Metrics.every((metric) => typeof document[metric.Name] === 'number'));
    t.true(directive.Metrics.length <= 100);
  }
  t.deepEqual(
    document._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name)),
    [RUN_METRICS.failedAttempts, RUN_METRICS.finishedAttempts],
  );
});

test('counts follow the circuit breaker: failed and timed out fail; cancelled, interrupted and lost count for nothing', (t) => {
  const before: OutcomeTotals = { succeeded: 10, failed: 1 };
  const now: OutcomeTotals = { succeeded: 15, failed: 3, timed_out: 1, cancelled: 4, interrupted: 2, lost: 1 };
  t.deepEqual(attemptCounts(now, before), { failed: 3, finished: 8 });
  t.deepEqual(attemptCounts(now, now), { failed: 0, finished: 0 });
  t.deepEqual(attemptCounts({ succeeded: 2 }, {}), { failed: 0, finished: 2 });
});

test('the publisher writes what finished since its last line, nothing for an idle interval, and the rest when stopped', async (t) => {
  const metrics = new WorkerMetrics({ worker: source.worker, pool: source.pool });
  const lines: string[] = [];
  let now = 1_000_000;
  const publisher = new RunMetricsPublisher({
    source,
    readTotals: () => outcomeTotals(metrics.attemptsFinished),
    write: (line) => lines.push(line),
    logger: silentLogger,
    clock: () => now,
  });
  const published = () => lines.map((line) => JSON.parse(line) as EmfDocument);

  metrics.finished('succeeded', 1);
  metrics.finished('succeeded', 1);
  metrics.finished('failed', 1);
  metrics.finished('cancelled', 1);
  await publisher.flush();
  t.is(lines.length, 1);
  t.true(lines[0]?.endsWith('}\n') && !lines[0].slice(0, -1).includes('\n'), 'one line');
  t.like(published()[0], { RunAttemptsFailed: 1, RunAttemptsFinished: 3, Environment: 'prod', _aws: { Timestamp: 1_000_000 } });

  await publisher.flush();
  t.is(lines.length, 1, 'nothing finished: nothing written');

  now += 60_000;
  metrics.finished('timed_out', 1);
  await publisher.stop();
  t.is(lines.length, 2);
  t.like(published()[1], { RunAttemptsFailed: 1, RunAttemptsFinished: 1, _aws: { Timestamp: 1_060_000 } });
});

test('a flush during another counts each attempt once', async (t) => {
  const metrics = new WorkerMetrics({ worker: source.worker, pool: source.pool });
  const lines: string[] = [];
  const publisher = new RunMetricsPublisher({ source, readTotals: () => outcomeTotals(metrics.attemptsFinished), write: (line) => lines.push(line), logger: silentLogger });
  for (let i = 0; i < 5; i += 1) metrics.finished('succeeded', 1);
  await Promise.all([publisher.flush(), publisher.flush(), publisher.stop()]);
  const total = lines.map((line) => (JSON.parse(line) as EmfDocument).RunAttemptsFinished as number).reduce((a, b) => a + b, 0);
  t.is(total, 5);
});

test('totals that cannot be read are logged, and those attempts are published with the next line', async (t) => {
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const lines: string[] = [];
  const readings: (OutcomeTotals | Error)[] = [{ succeeded: 2 }, new Error('registry gone'), { succeeded: 5, failed: 1 }];
  const publisher = new RunMetricsPublisher({
    source,
    readTotals: async () => {
      const next = readings.shift();
      if (next instanceof Error || next === undefined) throw next ?? new Error('no more readings');
      return next;
    },
    write: (line) => lines.push(line),
    logger,
  });
  await publisher.flush();
  await publisher.flush();
  await publisher.flush();
  t.is(warnings.length, 1);
  t.deepEqual(
    lines.map((line) => JSON.parse(line) as EmfDocument).map((d) => [d.RunAttemptsFinished, d.RunAttemptsFailed]),
    [
      [2, 0],
      [4, 1],
    ],
  );
});

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a worker process with CLOUDWATCH_METRICS=emf prints its run outcomes as an EMF line on stdout by the time it has stopped', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const worker = await h.startWorkerProcess({ CLOUDWATCH_METRICS: 'emf', AGENTFLEET_ENV: 'staging', WORKER_POOL: 'on-demand' });
  let stdout = '';
  worker.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));

  const ok = await h.submit('simulate', { durationMs: 0 }, { maxAttempts: 1 });
  const bad = await h.submit('simulate', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 });
  t.is((await h.waitForStatus(ok.id, ['succeeded', 'failed'])).status, 'succeeded');
  t.is((await h.waitForStatus(bad.id, ['succeeded', 'failed'])).status, 'failed');
  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);

  const documents = stdout
    .split('\n')
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);
  t.true(documents.length >= 1, stdout);
  t.true(documents.every((d) => d.Environment === 'staging' && d.pool === 'on-demand' && d.worker === worker.id));
  const sum = (name: string) => documents.reduce((total, d) => total + (d[name] as number), 0);
  t.is(sum('RunAttemptsFinished'), 2);
  t.is(sum('RunAttemptsFailed'), 1);
});
