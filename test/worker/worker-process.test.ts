import test from 'ava';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// `startWorker` as `agentfleet worker` runs it: its own process, wired from environment variables.
let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a worker process joins the fleet registry, serves its metrics, runs work, and on SIGTERM drains, leaves and exits 0', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const worker = await h.startWorkerProcess({ WORKER_METRICS_PORT: '0', WORKER_SLOTS: '6', WORKER_POOL: 'spot' });
  const registry = new WorkerRegistry(h.redis);
  const entry = await eventually(async () => (await registry.list()).find((w) => w.id === worker.id), 'the worker in the registry');
  t.like(entry, { pool: 'spot', slots: 6, busy: 0, draining: false, breaker: 'closed' });

  const run = await h.submit('simulate', { durationMs: 0 });
  t.is((await h.waitForStatus(run.id, ['succeeded', 'failed'])).status, 'succeeded');
  t.truthy(worker.metricsUrl);
  const metrics = await (await fetch(worker.metricsUrl!)).text();
  t.regex(metrics, /agentfleet_worker_slots\{worker="[^"]+",pool="spot"\} 6/);
  t.regex(metrics, /agentfleet_worker_attempts_finished_total\{outcome="succeeded",worker="[^"]+",pool="spot"\} 1/);
  t.regex(metrics, /process_resident_memory_bytes/);

  worker.child.kill('SIGTERM');
  t.is(await worker.exited, 0);
  t.false((await registry.list()).some((w) => w.id === worker.id));
});

test('a bad AGENTS_FILE stops the worker at start with a message naming the problem', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const error = await t.throwsAsync(h.startWorkerProcess({ AGENTS_FILE: '/nonexistent/agents.json' }));
  t.regex(error?.message ?? '', /exited with 1 before it was ready: [^]*AGENTS_FILE \/nonexistent\/agents.json: ENOENT/);
});
