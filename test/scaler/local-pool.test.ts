import test from 'ava';
import { pino } from 'pino';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { LocalWorkerPool } from '../../services/scaler/adapters/local.js';
import { startApiHarness, type ApiHarness } from '../api/helpers/api-harness.js';
import { waitFor } from '../support/ports.js';

/**
 * The local capacity driver with real `agentfleet worker` processes on the API harness's Redis and
 * queue: it keeps its count, stops idle workers first on scale-in, and a run on a busy worker is
 * never lost.
 */
let api: ApiHarness;
let pool: LocalWorkerPool;
let registry: WorkerRegistry;

test.before(async () => {
  api = await startApiHarness();
  registry = new WorkerRegistry(api.redis);
  pool = new LocalWorkerPool({
    min: 0,
    max: 3,
    slotsPerWorker: 1,
    env: {
      ...process.env,
      REDIS_URL: api.config.REDIS_URL,
      QUEUE_DRIVER: 'bullmq',
      QUEUE_NAME: api.config.QUEUE_NAME,
      LOG_LEVEL: 'warn',
      SHUTDOWN_GRACE_SECONDS: '30',
    },
    stopGraceMs: 40_000,
    registry,
    logger: pino({ level: 'silent' }),
    restartDelayMs: 200,
  });
});

test.after.always(async () => {
  await pool?.close();
  await api?.close();
});

const liveLocalWorkers = async () => (await registry.list()).filter((w) => w.pool === 'local' && !w.draining);

test.serial('scaling out starts worker processes that report to the registry with their slots', async (t) => {
  await pool.setDesired(3);
  await waitFor(async () => (await pool.observe()).running === 3, 'three local workers in service', 60_000);
  t.deepEqual(await pool.observe(), { desired: 3, running: 3, pending: 0, min: 0, max: 3 });
  t.deepEqual((await liveLocalWorkers()).map((w) => w.slots), [1, 1, 1]);
});

test.serial('scaling in stops idle workers first; the busy worker keeps its run, which succeeds', async (t) => {
  // Long enough that the worker's next registry report (every 5 s) shows it busy.
  const submitted = await api.bootstrap.submit({ input: { durationMs: 12_000 } });
  t.is(submitted.status, 202);
  await waitFor(async () => (await liveLocalWorkers()).some((w) => w.busy > 0), 'a worker to report the run', 30_000);
  const busy = (await liveLocalWorkers()).find((w) => w.busy > 0)?.id;

  await pool.setDesired(1);
  await waitFor(async () => (await liveLocalWorkers()).length === 1, 'the two idle workers to stop', 30_000);
  t.is((await liveLocalWorkers())[0]?.id, busy);

  await waitFor(async () => (await api.bootstrap.get(`/v1/runs/${submitted.json.id}`)).json.status === 'succeeded', 'the run to succeed', 30_000);
  const run = (await api.bootstrap.get(`/v1/runs/${submitted.json.id}`)).json;
  t.deepEqual(run.attempts.map((a: { outcome: string }) => a.outcome), ['succeeded'], 'one attempt, never interrupted');
});

test.serial('a worker that dies is replaced, as an ASG replaces an instance', async (t) => {
  const [worker] = await liveLocalWorkers();
  const pid = Number(/-(\d+)-[0-9a-f]+$/.exec(worker?.id ?? '')?.[1]);
  t.true(pid > 0);
  process.kill(pid, 'SIGKILL');
  await registry.remove(worker?.id ?? '');
  await waitFor(async () => (await liveLocalWorkers()).length === 1 && (await pool.observe()).running === 1, 'a replacement worker', 60_000);
  t.not((await liveLocalWorkers())[0]?.id, worker?.id);
});
