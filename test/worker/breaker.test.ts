import test, { type ExecutionContext } from 'ava';
import { startSqs } from '../support/fauxqs.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { RunBreaker, type BreakerOptions, type BreakerState } from '../../services/worker/breaker.js';
import { harness, type Harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

/**
 * Platform failures for real: Redis refuses writes (maxmemory 1 byte, noeviction), so the run store
 * cannot begin attempts, while the queue (SQS on fauxqs) keeps delivering. Serial: the Redis server is
 * shared by the file.
 */
async function starveRedis(h: Harness): Promise<void> {
  await h.redis.config('SET', 'maxmemory-policy', 'noeviction');
  await h.redis.config('SET', 'maxmemory', '1');
}
async function feedRedis(h: Harness): Promise<void> {
  await h.redis.config('SET', 'maxmemory', '0');
}

/** A breaker whose every change is recorded as `from→to`, shut down with the test. */
function recordingTransitions(t: ExecutionContext, options: BreakerOptions): { breaker: RunBreaker; changes: string[] } {
  const changes: string[] = [];
  const breaker = new RunBreaker(options, (state, from) => changes.push(`${from}→${state}`));
  t.teardown(() => breaker.shutdown());
  return { breaker, changes };
}

async function platformFailing(t: ExecutionContext, cooldownSeconds: number) {
  const sqs = await startSqs();
  t.teardown(() => sqs.stop());
  const h = harness(t, { redisUrl: redis.url, sqs });
  t.teardown(() => feedRedis(h));
  const queued = await Promise.all([1, 2, 3].map(() => h.submit('simulate', { durationMs: 0 })));
  await starveRedis(h);
  const { worker } = await h.startWorker({ breaker: { errorPercent: 10, windowSeconds: 60, minAttempts: 2, cooldownSeconds } });
  await eventually(() => worker.status().breaker === 'open', 'the platform breaker to open');
  await feedRedis(h);
  return { h, worker, queued };
}

test.serial('platform failures open the worker breaker, and the worker stops pulling', async (t) => {
  const { h, worker } = await platformFailing(t, 600);
  const healthy = await Promise.all([1, 2, 3].map(() => h.submit('simulate', { durationMs: 0 })));
  // Absence takes a wait: well past the receive loop's next look at the queue.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const run of healthy) t.is((await h.get(run.id)).status, 'queued');
  t.is((await worker.metrics.breakerState.get()).values[0]?.value, 2);
  const opened = await worker.metrics.breakerOpened.get();
  t.deepEqual(
    opened.values.map((v) => [v.labels.scope, v.labels.agent, v.value]),
    [['platform', '', 1]],
  );
  t.is(worker.status().agentBreakers, undefined, 'platform failures say nothing about the agent');
});

test.serial('after the cooldown one probe run goes through, and its success closes the platform breaker', async (t) => {
  // A 1 s cooldown so the test sees the probe; the default cooldown takes the same path.
  const { h, worker, queued } = await platformFailing(t, 1);
  for (const run of queued) t.is((await h.waitForStatus(run.id, ['succeeded', 'failed'])).status, 'succeeded');
  t.is(worker.status().breaker, 'closed');
});

test('agent failures do not open the platform breaker', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker({ breaker: { errorPercent: 10, windowSeconds: 60, minAttempts: 2, cooldownSeconds: 600 } });
  const failing = await Promise.all([1, 2, 3, 4].map(() => h.submit('simulate', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 })));
  for (const run of failing) await h.waitForStatus(run.id, 'failed');
  await eventually(() => worker.status().agentBreakers?.simulate === 'open', "the simulate agent's breaker to open");
  t.is(worker.status().breaker, 'closed');
  t.is((await worker.metrics.breakerState.get()).values[0]?.value, 0);
});

test('the breaker stays closed below the minimum volume and at or under the error rate', async (t) => {
  const changes: BreakerState[] = [];
  const breaker = new RunBreaker({ errorPercent: 10, windowSeconds: 60, minAttempts: 20, cooldownSeconds: 60 }, (s) => changes.push(s));
  t.teardown(() => breaker.shutdown());
  for (let i = 0; i < 19; i++) breaker.record('failure');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(breaker.state, 'closed', '19 failures are under the minimum volume');
  t.is(breaker.allowance(10), 10);

  const healthy = new RunBreaker({ errorPercent: 10, windowSeconds: 60, minAttempts: 20, cooldownSeconds: 60 }, (s) => changes.push(s));
  t.teardown(() => healthy.shutdown());
  for (let i = 0; i < 90; i++) healthy.record('success');
  for (let i = 0; i < 10; i++) healthy.record('failure');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(healthy.state, 'closed', 'exactly 10% is not more than 10%');
  healthy.record('failure');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(healthy.state, 'open');
  t.is(healthy.allowance(10), 0);
  t.deepEqual(changes, ['open']);
});

test('a half-open breaker admits exactly one probe until its outcome is known', async (t) => {
  const breaker = new RunBreaker({ errorPercent: 10, windowSeconds: 60, minAttempts: 1, cooldownSeconds: 0.05 }, () => undefined);
  t.teardown(() => breaker.shutdown());
  breaker.record('failure');
  await eventually(() => breaker.state === 'half-open', 'half-open');
  t.is(breaker.allowance(10), 1);
  breaker.takeProbe();
  t.is(breaker.allowance(10), 0);
  breaker.probeInconclusive();
  t.is(breaker.allowance(10), 1);
  breaker.takeProbe();
  breaker.record('failure', true);
  await eventually(() => breaker.state === 'open', 'open again after a failed probe');
  await eventually(() => breaker.state === 'half-open', 'half-open again');
  breaker.takeProbe();
  breaker.record('success', true);
  await eventually(() => breaker.state === 'closed', 'closed after a successful probe');
  t.is(breaker.allowance(10), 10);
});

test('each change reports the state it left, so a failed probe (half-open → open) is told from a new opening (closed → open)', async (t) => {
  // A 50 ms cooldown: the production 60 s would only make this test wait; the transitions are the same.
  const { breaker, changes } = recordingTransitions(t, { errorPercent: 10, windowSeconds: 60, minAttempts: 1, cooldownSeconds: 0.05 });
  breaker.record('failure');
  await eventually(() => breaker.state === 'half-open', 'half-open');
  breaker.takeProbe();
  breaker.record('failure', true);
  await eventually(() => changes.length >= 3, 'open again after the failed probe');
  t.deepEqual(changes.slice(0, 3), ['closed→open', 'open→half-open', 'half-open→open']);
});

test('a breaker its probe closed starts from an empty window: the failures that opened it cannot open it again, and only a new opening is reported as one', async (t) => {
  // A 300 s window and a 50 ms cooldown: the failures that opened it would still be in opossum's window after the probe.
  const { breaker, changes } = recordingTransitions(t, { errorPercent: 50, windowSeconds: 300, minAttempts: 3, cooldownSeconds: 0.05 });
  for (let i = 0; i < 3; i++) breaker.record('failure');
  await eventually(() => breaker.state === 'half-open', 'half-open');
  breaker.takeProbe();
  breaker.record('success', true);
  await eventually(() => breaker.state === 'closed', 'closed by the probe');

  breaker.record('success');
  breaker.record('success');
  breaker.record('failure');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(breaker.state, 'closed', 'one failure in three is under 50 %');
  t.deepEqual(breaker.window, { failures: 1, attempts: 3 });
  t.deepEqual(changes, ['closed→open', 'open→half-open', 'half-open→closed']);

  breaker.record('failure');
  breaker.record('failure');
  await eventually(() => breaker.state === 'open', 'open on failures of its own: three in five');
  t.deepEqual(breaker.window, { failures: 3, attempts: 5 });
  t.is(changes.at(-1), 'closed→open', 'a new opening, alerted as one');
});

test('while the breaker is not closed only the probe decides: runs that started before it opened and finish later change nothing', async (t) => {
  const { breaker, changes } = recordingTransitions(t, { errorPercent: 10, windowSeconds: 300, minAttempts: 1, cooldownSeconds: 0.05 });
  breaker.record('failure');
  await eventually(() => breaker.state === 'open', 'open');
  breaker.record('success');
  await eventually(() => breaker.state === 'half-open', 'half-open');
  breaker.takeProbe();
  breaker.record('success');
  breaker.record('failure');
  await new Promise((resolve) => setImmediate(resolve));
  t.is(breaker.state, 'half-open', 'neither a late success nor a late failure decides');
  t.is(breaker.allowance(10), 0, 'the probe is still out');
  breaker.record('failure', true);
  await eventually(() => breaker.state === 'open', "open again on the probe's failure");
  t.deepEqual(changes, ['closed→open', 'open→half-open', 'half-open→open']);
});
