import test from 'ava';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, TENANT } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';
import { processIsRunning } from './helpers/processes.js';

// Every run here goes through the real path: RedisRunStore on a real redis-server, BullMQ on it, a Worker.
let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a simulate run succeeds with its result', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker();
  const run = await h.submit('simulate', { durationMs: 10, output: { answer: 42 } });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.deepEqual(done.result, { answer: 42 });
  t.is(done.attempts.length, 1);
  t.is(done.attempts[0]?.outcome, 'succeeded');
});

test('a run that fails its first attempts is retried after a backoff and succeeds on attempt N', async (t) => {
  // random() near 1 makes every full-jitter delay close to its ceiling (200 ms, then 400 ms).
  const h = harness(t, { redisUrl: redis.url, store: { random: () => 0.999 } });
  await h.startWorker();
  const run = await h.submit('simulate', { durationMs: 0, failAttempts: 2 }, { maxAttempts: 5 });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.deepEqual(done.attempts.map((a) => a.outcome), ['failed', 'failed', 'succeeded']);
  t.is(done.attempts[0]?.error?.type, 'simulated_failure');
  for (const [before, after] of [[0, 1], [1, 2]] as const) {
    const waited = Date.parse(done.attempts[after]!.startedAt) - Date.parse(done.attempts[before]!.finishedAt!);
    // The queue delay is rounded up to whole seconds, so each retry waits at least its backoff.
    t.true(waited >= 190, `retry ${after} started ${waited} ms after the failure`);
  }
});

test('a run that always fails ends failed after maxAttempts attempts, with the last error', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker();
  const run = await h.submit('simulate', { durationMs: 0, failRate: 1 }, { maxAttempts: 3 });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'failed');
  t.deepEqual(done.attempts.map((a) => a.outcome), ['failed', 'failed', 'failed']);
  t.is(done.error?.type, 'simulated_failure');
});

test('bad input fails the run at once, naming the field, without retries', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker();
  const run = await h.submit('simulate', { durationMs: 'soon' }, { maxAttempts: 3 });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'failed');
  t.is(done.attempts.length, 1);
  t.is(done.error?.type, 'invalid_input');
  t.regex(done.error?.message ?? '', /input\.durationMs/);
});

test('an agent this worker does not know fails the run without retries', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker();
  const run = await h.submit('not-installed-here', {}, { maxAttempts: 3 });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'failed');
  t.is(done.attempts.length, 1);
  t.is(done.error?.type, 'unknown_agent');
});

test('a run over its timeout is stopped and ends timed_out, without retries', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker();
  const run = await h.submit('simulate', { durationMs: 600_000 }, { timeoutSeconds: 1, maxAttempts: 3 });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed', 'timed_out']);
  t.is(done.status, 'timed_out');
  t.deepEqual(done.attempts.map((a) => a.outcome), ['timed_out']);
});

test('cancelling a running command agent that ignores SIGTERM ends the run cancelled and kills its whole tree after the grace', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker();
  const run = await h.submit('stubborn', {});
  await h.waitForStatus(run.id, 'running');
  const progress = await eventually(async () => {
    const events = await h.store.readEvents(run.id);
    return events.find((e) => e.type === 'progress')?.data as { pids: number[] } | undefined;
  }, 'the agent to report its PIDs');
  t.is(progress.pids.length, 3);
  t.true(progress.pids.every(processIsRunning));

  const cancel = await h.store.requestCancel(TENANT, run.id);
  t.is(cancel.kind, 'requested');
  const done = await h.waitForStatus(run.id, ['cancelled', 'succeeded', 'failed']);
  t.is(done.status, 'cancelled');
  t.deepEqual(done.attempts.map((a) => a.outcome), ['cancelled']);
  for (const pid of progress.pids) await eventually(() => !processIsRunning(pid), `PID ${pid} to be gone`);
  t.pass();
});

test('a command agent\'s log and progress lines reach the run\'s events, and a chatty agent is rate-limited', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorker({ events: { burst: 5, perSecond: 0.001 } });
  const lines = Array.from({ length: 50 }, (_, i) => ({ type: 'log', message: `line ${i}` }));
  const run = await h.submit('echo', { stdout: [{ type: 'progress', percent: 10 }, ...lines, { type: 'result', result: 'ok' }] });
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  const events = await eventually(async () => {
    const all = await h.store.readEvents(run.id, { count: 1000 });
    return all.some((e) => (e.data as { dropped?: number }).dropped) ? all : undefined;
  }, 'the dropped-events summary');
  const agentEvents = events.filter((e) => e.type !== 'status');
  t.deepEqual(agentEvents[0]?.data, { percent: 10 });
  t.is(agentEvents.length, 6, 'the burst of 5, then the summary');
  t.deepEqual(agentEvents.at(-1)?.data, { message: '46 events dropped (rate limit)', dropped: 46 });
});
