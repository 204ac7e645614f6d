import test from 'ava';
import { parseAgentsFile } from '../../services/core/agents/catalog.js';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { fixturesDir, harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// A failing agent next to a healthy one on one real worker, on both drivers (BullMQ on real Redis; SQS
// on fauxqs with a redrive after 2 receives, so a hand-back that spent a receive would dead-letter the
// run): the failing agent's breaker opens, its runs wait in the queue without spending attempts or
// receives, the healthy agent's runs go on.
let redis: TestRedis;
const DRIVERS = ['bullmq', 'sqs'] as const;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

async function sqsFor(t: { teardown(fn: () => Promise<void>): void }, driver: (typeof DRIVERS)[number]): Promise<TestSqs | undefined> {
  if (driver === 'bullmq') return undefined;
  const sqs = await startSqs({ maxReceiveCount: 2 });
  t.teardown(() => sqs.stop());
  return sqs;
}

/** Two agents, `flaky` and `steady`, both the built-in simulate under other names; `flaky` with its own breaker settings. */
function twoAgents(flakyBreaker: Record<string, unknown>) {
  return parseAgentsFile({ agents: { flaky: { type: 'simulate', breaker: flakyBreaker }, steady: { type: 'simulate' } } }, fixturesDir);
}

async function metricValue(metric: { get(): Promise<{ values: { labels: Record<string, string | number>; value: number }[] }> }, labels: Record<string, string>) {
  const { values } = await metric.get();
  return values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want))?.value ?? 0;
}

for (const driver of DRIVERS) {
  test(`${driver}: while the failing agent's breaker is open, the healthy agent's runs all succeed and the failing agent's runs wait with no attempt spent`, async (t) => {
    const h = harness(t, { redisUrl: redis.url, sqs: await sqsFor(t, driver) });
    // minAttempts 4 (default 20) so four runs open it; cooldown 600 s so it stays open for the whole test.
    const { worker } = await h.startWorker({}, twoAgents({ minAttempts: 4, cooldownSeconds: 600 }));
    const opening = await Promise.all([1, 2, 3, 4].map(() => h.submit('flaky', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 })));
    for (const run of opening) await h.waitForStatus(run.id, 'failed');
    await eventually(() => worker.status().agentBreakers?.flaky === 'open', "flaky's breaker to open");

    const waiting = await Promise.all([1, 2, 3, 4, 5].map(() => h.submit('flaky', { durationMs: 0, failRate: 1 }, { maxAttempts: 2 })));
    const healthy = await Promise.all(Array.from({ length: 20 }, (_, i) => h.submit('steady', { durationMs: 0, output: i })));
    for (const run of healthy) t.is((await h.waitForStatus(run.id, ['succeeded', 'failed'])).status, 'succeeded');
    await eventually(
      async () => (await metricValue(worker.metrics.deliveriesDropped, { reason: 'agent_breaker' })) >= waiting.length,
      "every waiting flaky run to have been handed back",
    );

    for (const run of waiting) {
      const now = await h.get(run.id);
      t.is(now.status, 'queued', 'not failed for good while the breaker is open');
      t.is(now.attempts.length, 0, 'a hand-back spends no attempt');
    }
    t.is(worker.status().breaker, 'closed', "one agent's failures leave the platform breaker closed");
    t.deepEqual(worker.status().agentBreakers, { flaky: 'open', steady: 'closed' });
    const entry = (await new WorkerRegistry(h.redis).list()).find((w) => w.id === worker.id);
    t.like(entry, { breaker: 'closed', agentBreakers: { flaky: 'open' } }, 'the fleet registry shows it');
    t.is(await metricValue(worker.metrics.agentBreakerState, { agent: 'flaky' }), 2);
    t.is(await metricValue(worker.metrics.agentBreakerState, { agent: 'steady' }), 0);
    t.is(await metricValue(worker.metrics.breakerOpened, { scope: 'agent', agent: 'flaky' }), 1);
    t.is(await metricValue(worker.metrics.breakerOpened, { scope: 'platform' }), 0);
  });

  test(`${driver}: after the cooldown one probe at a time: a failing probe reopens the breaker, a succeeding one closes it, and each held run spends only its own attempts`, async (t) => {
    const h = harness(t, { redisUrl: redis.url, sqs: await sqsFor(t, driver) });
    // A 1 s cooldown so the test sees probes; the hold delay for the default is pinned in agent-breakers.test.ts.
    const { worker } = await h.startWorker({}, twoAgents({ minAttempts: 2, cooldownSeconds: 1 }));
    const opening = await Promise.all([1, 2].map(() => h.submit('flaky', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 })));
    for (const run of opening) await h.waitForStatus(run.id, 'failed');
    await eventually(() => worker.status().agentBreakers?.flaky !== undefined && worker.status().agentBreakers?.flaky !== 'closed', "flaky's breaker to open");

    // Each fails its first attempt and succeeds on its second: the first probe fails and reopens the breaker.
    const held = await Promise.all([1, 2, 3].map((i) => h.submit('flaky', { durationMs: 0, failAttempts: 1, output: i }, { maxAttempts: 3 })));
    for (const run of held) {
      const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
      t.is(done.status, 'succeeded');
      t.is(done.attempts.length, 2, 'one failed attempt and one success; the hand-backs spent none');
    }
    // A failed probe re-opens the breaker without a new alert (breaker.test.ts pins closed→open vs half-open→open).
    t.true((await metricValue(worker.metrics.breakerOpened, { scope: 'agent', agent: 'flaky' })) >= 1, 'the opening was alerted');
    t.true((await metricValue(worker.metrics.deliveriesDropped, { reason: 'agent_breaker' })) >= 1);
  });
}
