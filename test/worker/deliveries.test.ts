import test from 'ava';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// At-least-once delivery meets exactly-once execution: real Redis, the real store, BullMQ, Workers.
let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

const scratch = mkdtempSync(join(tmpdir(), 'agentfleet-deliveries-'));
let files = 0;
function executionLog(): string {
  return join(scratch, `executions-${++files}.log`);
}
function executions(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

test('the same message delivered twice at once executes the run once', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker({ slots: 4 });
  const file = executionLog();
  const run = await h.submit('record', { file, durationMs: 1500 });
  await h.queue.send(encodeRunMessage(messageForRun(run)));

  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.is(done.attempts.length, 1);
  // The second copy was handed back while the first ran; it comes back, finds the run finished, and is dropped.
  await eventually(async () => {
    const depth = await h.queue.depth();
    return depth.visible + depth.inFlight + depth.delayed === 0;
  }, 'the duplicate to be consumed');
  t.deepEqual(executions(file), [`${run.id} 1`]);
});

test('a duplicate delivery never runs a finished run again', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker();
  const file = executionLog();
  const run = await h.submit('record', { file, durationMs: 0 });
  await h.waitForStatus(run.id, 'succeeded');
  for (let i = 0; i < 3; i++) await h.queue.send(encodeRunMessage(messageForRun(run)));
  await eventually(() => worker.metrics.deliveriesDropped.get().then((m) => m.values.reduce((sum, v) => sum + v.value, 0) >= 3), 'three duplicates dropped');
  t.deepEqual(executions(file), [`${run.id} 1`]);
  t.is((await h.get(run.id)).attempts.length, 1);
});

test('a run whose worker crashed is redelivered and completed by another worker, and finishes once', async (t) => {
  const h = harness(t, { redisUrl: redis.url, env: { VISIBILITY_SECONDS: '2', LEASE_SECONDS: '2' } });
  const crashing = await h.startWorkerProcess();
  const file = executionLog();
  const run = await h.submit('record', { file, durationMs: 2000 });
  await eventually(() => executions(file).length === 1, 'the first attempt to start in the child worker');
  crashing.child.kill('SIGKILL');
  await crashing.exited;

  await h.startWorker();
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.deepEqual(done.attempts.map((a) => [a.outcome, a.error?.type]), [['failed', 'worker_lost'], ['succeeded', undefined]]);
  t.is(done.attempts[0]?.worker, crashing.id);
  t.deepEqual(executions(file), [`${run.id} 1`, `${run.id} 2`]);
});

test('a malformed body and an unknown message version go to the dead-letter queue and the worker keeps going', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker();
  const good = await h.submit('simulate', { durationMs: 0 });
  await h.queue.send('{"this is": not json');
  await h.queue.send(JSON.stringify({ ...messageForRun(good), v: 99 }));
  const after = await h.submit('simulate', { durationMs: 0, output: 'still alive' });

  t.is((await h.waitForStatus(good.id, ['succeeded', 'failed'])).status, 'succeeded');
  t.deepEqual((await h.waitForStatus(after.id, ['succeeded', 'failed'])).result, 'still alive');
  await eventually(async () => (await h.queue.depth()).deadLettered === 2, 'two dead letters');
  t.is(worker.status().draining, false);
  t.is((await worker.metrics.poisonMessages.get()).values[0]?.value, 2);
});
