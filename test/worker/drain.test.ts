import test from 'ava';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { startFakeAutoScaling } from './helpers/fake-autoscaling.js';
import { INSTANCE_ID, startFakeImds } from './helpers/fake-imds.js';
import { harness } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// Draining on SIGTERM and on a Spot notice, with real Redis, store, BullMQ and agent processes.
let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('on stop a short run finishes, a long one is handed back and completed by another worker from its checkpoint, and nothing new is taken', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const first = await h.startWorker({ slots: 3, shutdownGraceMs: 1500 });
  const short = await h.submit('simulate', { durationMs: 500, output: 'short' });
  const long = await h.submit('steps', { steps: 40, stepMs: 100 });
  await h.waitForStatus(short.id, 'running');
  await h.waitForStatus(long.id, 'running');
  await eventually(async () => (await h.store.readEvents(long.id)).some((e) => e.type === 'progress'), 'the long run to make progress');

  const stopped = first.stop('SIGTERM');
  const late = await h.submit('simulate', { durationMs: 0, output: 'late' });
  await stopped;

  const shortDone = await h.get(short.id);
  t.is(shortDone.status, 'succeeded');
  t.deepEqual(shortDone.attempts.map((a) => a.outcome), ['succeeded']);
  const handedBack = await h.get(long.id);
  t.is(handedBack.status, 'queued');
  t.deepEqual(handedBack.attempts.map((a) => a.outcome), ['interrupted']);
  t.is((await h.get(late.id)).status, 'queued', 'a draining worker takes no new run');
  t.false((await new WorkerRegistry(h.redis).list()).some((w) => w.id === first.worker.id), 'a stopped worker leaves the fleet registry');

  const second = await h.startWorker();
  const longDone = await h.waitForStatus(long.id, ['succeeded', 'failed']);
  t.is(longDone.status, 'succeeded');
  t.deepEqual(longDone.attempts.map((a) => [a.outcome, a.worker]), [['interrupted', first.worker.id], ['succeeded', second.worker.id]]);
  const result = longDone.result as { steps: number; resumedFrom: number };
  t.is(result.steps, 40);
  t.true(result.resumedFrom > 0, 'the second attempt resumed from the first one\'s checkpoint');
  t.is((await h.waitForStatus(late.id, ['succeeded', 'failed'])).attempts[0]?.worker, second.worker.id);
});

test('on a Spot notice the worker interrupts its runs before the reclaim, hands them back and exits by itself', async (t) => {
  const imds = await startFakeImds();
  t.teardown(() => imds.close());
  const h = harness(t, { redisUrl: redis.url });
  const doomed = await h.startWorkerProcess({ IMDS_ENDPOINT: imds.endpoint, IMDS_POLL_SECONDS: '0.2', SPOT_DRAIN_MARGIN_SECONDS: '1' });
  const run = await h.submit('steps', { steps: 60, stepMs: 50 });
  await h.waitForStatus(run.id, 'running');
  await eventually(async () => (await h.store.readEvents(run.id)).some((e) => e.type === 'progress'), 'the run to make progress');

  imds.noticeSpot(new Date(Date.now() + 2000));
  t.is(await doomed.exited, 0);
  const handedBack = await h.get(run.id);
  t.is(handedBack.status, 'queued');
  t.deepEqual(handedBack.attempts.map((a) => [a.outcome, a.worker]), [['interrupted', doomed.id]]);

  await h.startWorker();
  const done = await h.waitForStatus(run.id, ['succeeded', 'failed']);
  t.deepEqual(done.attempts.map((a) => a.outcome), ['interrupted', 'succeeded']);
  t.true((done.result as { resumedFrom: number }).resumedFrom > 0);
  t.true(imds.requests.includes('/latest/meta-data/spot/instance-action'));
});

test('on ASG scale-in the worker lets its runs finish past the shutdown grace, heartbeats the lifecycle hook meanwhile, then completes it and exits', async (t) => {
  // moto_server implements neither RecordLifecycleActionHeartbeat nor CompleteLifecycleAction (its
  // autoscaling responses stop at the hook's put/describe/delete), so helpers/fake-autoscaling.ts
  // records the Query API calls the SDK sends.
  const [imds, autoscaling] = await Promise.all([startFakeImds(), startFakeAutoScaling()]);
  t.teardown(() => Promise.all([imds.close(), autoscaling.close()]));
  const h = harness(t, { redisUrl: redis.url });
  const hook = { AutoScalingGroupName: 'agentfleet-dev-spot', LifecycleHookName: 'agentfleet-dev-spot-drain', InstanceId: INSTANCE_ID };
  const leaving = await h.startWorkerProcess({
    IMDS_ENDPOINT: imds.endpoint,
    IMDS_POLL_SECONDS: '0.2',
    // A scale-in drain lasts SCALE_IN_GRACE_SECONDS (its production default, 3600), not this.
    SHUTDOWN_GRACE_SECONDS: '1',
    // Shortened from 60 so that heartbeats beyond the first fall within a 3 s run.
    LIFECYCLE_HEARTBEAT_SECONDS: '0.5',
    WORKER_ASG_NAME: hook.AutoScalingGroupName,
    WORKER_LIFECYCLE_HOOK: hook.LifecycleHookName,
    AWS_ENDPOINT_URL: autoscaling.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const run = await h.submit('simulate', { durationMs: 3000, output: 'finished in the scale-in grace' });
  await h.waitForStatus(run.id, 'running');

  imds.setLifecycleState('Terminated');
  t.is(await leaving.exited, 0);
  const done = await h.get(run.id);
  t.is(done.status, 'succeeded', 'a run longer than SHUTDOWN_GRACE_SECONDS is not interrupted on scale-in');
  const actions = autoscaling.calls.map((c) => c.Action);
  t.true(actions.filter((a) => a === 'RecordLifecycleActionHeartbeat').length >= 2, `heartbeats while draining: ${actions.join(', ')}`);
  t.is(actions.at(-1), 'CompleteLifecycleAction', 'no heartbeat after the hook is completed');
  t.is(actions.filter((a) => a === 'CompleteLifecycleAction').length, 1);
  for (const call of autoscaling.calls) t.like(call, hook);
  t.like(autoscaling.calls.at(-1), { LifecycleActionResult: 'CONTINUE' });
});

test('on a rebalance recommendation the worker takes no new run while its running run finishes, stays up, and leaves on the scale-in that replaces its instance', async (t) => {
  const [imds, autoscaling] = await Promise.all([startFakeImds(), startFakeAutoScaling()]);
  t.teardown(() => Promise.all([imds.close(), autoscaling.close()]));
  const h = harness(t, { redisUrl: redis.url });
  const atRisk = await h.startWorkerProcess({
    IMDS_ENDPOINT: imds.endpoint,
    IMDS_POLL_SECONDS: '0.2',
    WORKER_ASG_NAME: 'agentfleet-dev-spot',
    WORKER_LIFECYCLE_HOOK: 'agentfleet-dev-spot-drain',
    AWS_ENDPOINT_URL: autoscaling.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const running = await h.submit('simulate', { durationMs: 2000, output: 'finished after the recommendation' });
  await h.waitForStatus(running.id, 'running');

  imds.recommendRebalance(new Date());
  const registry = new WorkerRegistry(h.redis);
  await eventually(async () => (await registry.list()).find((w) => w.id === atRisk.id)?.draining, 'the worker to report itself draining');
  const late = await h.submit('simulate', { durationMs: 0, output: 'late' });
  t.is((await h.waitForStatus(running.id, ['succeeded', 'failed'])).status, 'succeeded', 'the running run is not interrupted');
  t.is((await h.get(late.id)).status, 'queued', 'no new run is taken after the recommendation');
  t.is(atRisk.child.exitCode, null, 'an idle paused worker stays up for the scale-in');
  const idle = await eventually(async () => {
    const status = (await registry.list()).find((w) => w.id === atRisk.id);
    return status?.busy === 0 ? status : undefined;
  }, 'the idle worker\'s next report');
  t.true(idle.draining, 'reported draining, and idle: the scaler no longer protects its instance from termination');

  // Capacity rebalancing launches a replacement, then terminates this instance through the hook.
  imds.setLifecycleState('Terminated');
  t.is(await atRisk.exited, 0);
  t.like(autoscaling.calls.at(-1), { Action: 'CompleteLifecycleAction', InstanceId: INSTANCE_ID });
  const replacement = await h.startWorker();
  t.is((await h.waitForStatus(late.id, ['succeeded', 'failed'])).attempts[0]?.worker, replacement.worker.id);
});

test('a paused worker still drains on a later Spot notice, whose deadline interrupts its running run', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker();
  const run = await h.submit('simulate', { durationMs: 600_000 });
  await h.waitForStatus(run.id, 'running');
  worker.pause('rebalance recommendation');
  t.true(worker.status().draining);
  await worker.drain('spot notice', Date.now() + 200);
  t.deepEqual((await h.get(run.id)).attempts.map((a) => a.outcome), ['interrupted']);
});

test('with onInterrupt "dead-letter" an interrupted run goes to the dead-letter queue instead', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const worker = await h.startWorker({ shutdownGraceMs: 300, onInterrupt: 'dead-letter' });
  const run = await h.submit('simulate', { durationMs: 600_000 });
  await h.waitForStatus(run.id, 'running');
  await worker.stop('SIGTERM');
  const after = await h.get(run.id);
  t.deepEqual(after.attempts.map((a) => a.outcome), ['interrupted']);
  t.like(await h.queue.depth(), { deadLettered: 1, visible: 0, delayed: 0 });
});

test('a second stop with an earlier deadline moves the deadline', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker({ shutdownGraceMs: 600_000 });
  const run = await h.submit('simulate', { durationMs: 600_000 });
  await h.waitForStatus(run.id, 'running');
  const first = worker.stop('SIGTERM');
  await worker.drain('spot notice', Date.now() + 200);
  await first;
  t.deepEqual((await h.get(run.id)).attempts.map((a) => a.outcome), ['interrupted']);
});
