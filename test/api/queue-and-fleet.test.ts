import test from 'ava';
import { WorkerRegistry } from '../../services/core/fleet/worker-registry.js';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

// Serial: the queue is shared by every test in this file and its numbers are what is checked.
let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness({ QUEUE_SAMPLE_SECONDS: '1' });
});

test.after.always(async () => {
  await api?.close();
});

test.serial('/v1/queue starts empty', async (t) => {
  const response = await api.bootstrap.get('/v1/queue');
  t.is(response.status, 200);
  t.deepEqual(response.json, { visible: 0, inFlight: 0, delayed: 0, oldestAgeSeconds: 0, deadLettered: 0 });
});

test.serial('/v1/queue numbers move as runs are sent, received and dead-lettered', async (t) => {
  for (let i = 0; i < 3; i++) t.is((await api.bootstrap.submit()).status, 202);
  const sent = (await api.bootstrap.get('/v1/queue')).json;
  t.is(sent.visible, 3);
  t.is(sent.inFlight, 0);
  t.true(sent.oldestAgeSeconds >= 0);

  const [first, second] = await api.queue.receive(2, { waitSeconds: 5 });
  t.truthy(first && second);
  const received = (await api.bootstrap.get('/v1/queue')).json;
  t.is(received.visible, 1);
  t.is(received.inFlight, 2);

  await api.queue.ack(first!);
  await api.queue.deadLetter(second!, 'test: poison');
  const settled = (await api.bootstrap.get('/v1/queue')).json;
  t.like(settled, { visible: 1, inFlight: 0, deadLettered: 1 });
});

test.serial('oldestAgeSeconds grows while a run waits to start', async (t) => {
  const first = (await api.bootstrap.get('/v1/queue')).json.oldestAgeSeconds;
  const deadline = Date.now() + 20_000;
  let later = first;
  while (later <= first && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    later = (await api.bootstrap.get('/v1/queue')).json.oldestAgeSeconds;
  }
  t.true(later > first);
});

test.serial('/v1/fleet lists no pools before any worker reports', async (t) => {
  const response = await api.bootstrap.get('/v1/fleet');
  t.is(response.status, 200);
  t.deepEqual(response.json, { pools: [], workers: [], lastDecision: null });
});

test.serial('/v1/fleet reports the live workers of the local pool with their slots and breakers', async (t) => {
  const registry = new WorkerRegistry(api.redis);
  const base = { pool: 'local', draining: false, breaker: 'closed' as const, startedAt: new Date().toISOString() };
  await registry.report({ ...base, id: 'w1', slots: 8, busy: 3, breaker: 'open', instanceId: 'i-0abc' });
  await registry.report({ ...base, id: 'w2', slots: 4, busy: 4, agentBreakers: { flaky: 'open', steady: 'closed' } });
  await registry.report({ ...base, id: 'gone', slots: 16, busy: 0 }, Date.now() - 60_000);

  const response = await api.bootstrap.get('/v1/fleet');
  t.deepEqual(response.json, {
    pools: [{ name: 'local', kind: 'local', desired: 2, running: 2, busySlots: 7, totalSlots: 12, min: 2, max: 2 }],
    lastDecision: null,
    workers: [
      { id: 'w1', pool: 'local', instanceId: 'i-0abc', slots: 8, busy: 3, draining: false, breaker: 'open', startedAt: base.startedAt, seenAt: response.json.workers[0].seenAt },
      { id: 'w2', pool: 'local', slots: 4, busy: 4, draining: false, breaker: 'closed', agentBreakers: { flaky: 'open', steady: 'closed' }, startedAt: base.startedAt, seenAt: response.json.workers[1].seenAt },
    ],
  });
  t.true(Math.abs(Date.parse(response.json.workers[0].seenAt) - Date.now()) < 60_000);
});

test.serial('/v1/queue/history has the samples the API took, oldest first, each with its period', async (t) => {
  const deadline = Date.now() + 20_000;
  let body = (await api.bootstrap.get('/v1/queue/history')).json;
  while (body.samples.length < 2 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    body = (await api.bootstrap.get('/v1/queue/history')).json;
  }
  t.is(body.periodSeconds, 1);
  t.true(body.samples.length >= 2);
  const times = body.samples.map((s: { at: string }) => Date.parse(s.at));
  t.deepEqual(times, [...times].sort((a, b) => a - b));
  t.is(new Set(times).size, times.length, 'one sample per period');
  const latest = body.samples.at(-1);
  t.like(latest, { visible: 1, deadLettered: 1 }, 'the queue as the tests above left it');
});
