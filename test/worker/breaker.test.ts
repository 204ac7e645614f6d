import test from 'ava';
import { startRedis, type TestRedis } from '../support/redis.js';
import { breakerVerdict, RunBreaker, type BreakerState } from '../../services/worker/breaker.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('the breaker opens when most runs fail, and the worker stops pulling', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker({ breaker: { errorPercent: 10, windowSeconds: 60, minAttempts: 4, cooldownSeconds: 600 } });
  const failing = await Promise.all([1, 2, 3, 4].map(() => h.submit('simulate', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 })));
  for (const run of failing) await h.waitForStatus(run.id, 'failed');
  await eventually(() => worker.status().breaker === 'open', 'the breaker to open');

  const healthy = await Promise.all([1, 2, 3].map(() => h.submit('simulate', { durationMs: 0 })));
  // Absence takes a wait: well past the receive loop's next look at the queue.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const run of healthy) t.is((await h.get(run.id)).status, 'queued');
  t.like(await h.queue.depth(), { visible: 3, inFlight: 0 });
  t.is((await worker.metrics.breakerState.get()).values[0]?.value, 2);
});

test('after the cooldown one probe run goes through, and its success closes the breaker', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker({ breaker: { errorPercent: 10, windowSeconds: 60, minAttempts: 2, cooldownSeconds: 1 } });
  const failing = await Promise.all([1, 2].map(() => h.submit('simulate', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 })));
  for (const run of failing) await h.waitForStatus(run.id, 'failed');
  await eventually(() => worker.status().breaker === 'open', 'the breaker to open');
  const healthy = await Promise.all([1, 2, 3].map(() => h.submit('simulate', { durationMs: 0 })));
  for (const run of healthy) t.is((await h.waitForStatus(run.id, ['succeeded', 'failed'])).status, 'succeeded');
  t.is(worker.status().breaker, 'closed');
});

test('what an attempt says about the worker\'s health', (t) => {
  t.is(breakerVerdict({ outcome: 'succeeded', result: null }), 'success');
  t.is(breakerVerdict({ outcome: 'failed', error: { type: 'agent_exit', message: '' } }), 'failure');
  t.is(breakerVerdict({ outcome: 'timed_out' }), 'failure');
  t.is(breakerVerdict('infrastructure_error'), 'failure');
  t.is(breakerVerdict({ outcome: 'failed', error: { type: 'invalid_input', message: '' } }), 'ignore');
  t.is(breakerVerdict({ outcome: 'cancelled' }), 'ignore');
  t.is(breakerVerdict({ outcome: 'interrupted' }), 'ignore');
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
  breaker.record('failure');
  await eventually(() => breaker.state === 'open', 'open again after a failed probe');
  await eventually(() => breaker.state === 'half-open', 'half-open again');
  breaker.takeProbe();
  breaker.record('success');
  await eventually(() => breaker.state === 'closed', 'closed after a successful probe');
  t.is(breaker.allowance(10), 10);
});
