import test from 'ava';
import { createLogger } from '../../services/core/logger.js';
import { createRedis } from '../../services/core/redis.js';
import { InvalidCursorError } from '../../services/core/run/errors.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { useRunStoreRedis } from '../support/run-store.js';

// Per-run event logs, as the SSE route will read them.

const server = useRunStoreRedis();

const spec: RunSpec = { agent: 'simulate', input: {}, timeoutSeconds: 60, maxAttempts: 2, priority: 0, metadata: {} };

test('every transition appends a status event, and events resume after a given id', async (t) => {
  const store = server.openStore(t);
  const { run } = await store.create('acme', spec);
  const first = await store.startAttempt(messageForRun(run), 'w1');
  if (first.kind !== 'started') return t.fail(first.kind);
  const retry = await store.finishAttempt(first.lease, { outcome: 'failed', error: { type: 'agent_error', message: 'no' } });
  if (retry.kind !== 'retry') return t.fail(retry.kind);
  const second = await store.startAttempt(retry.message, 'w2');
  if (second.kind !== 'started') return t.fail(second.kind);
  await store.finishAttempt(second.lease, { outcome: 'succeeded', result: 1 });

  const events = await store.readEvents(run.id);
  t.true(events.every((e) => e.type === 'status'));
  const data = events.map((e) => e.data as { at: string });
  t.true(data.every((d) => !Number.isNaN(Date.parse(d.at))), 'every status event says when');
  t.is(data[0]?.at, run.createdAt);
  t.deepEqual(
    data.map(({ at: _at, ...rest }) => rest),
    [
      { status: 'queued' },
      { status: 'running', attempt: 1 },
      { status: 'queued', attempt: 1, outcome: 'failed' },
      { status: 'running', attempt: 2 },
      { status: 'succeeded', attempt: 2, outcome: 'succeeded' },
    ],
  );
  const ids = events.map((e) => e.id);
  t.deepEqual(ids, ['1', '2', '3', '4', '5'], 'events are numbered in order');
  t.deepEqual(await store.readEvents(run.id, { after: ids[2]! }), events.slice(3));
  t.deepEqual(await store.readEvents(run.id, { after: ids[0]!, count: 2 }), events.slice(1, 3));
  t.deepEqual(await store.readEvents(run.id, { after: ids[4]! }), []);
});

test("a run's event log stays bounded, keeping the newest events", async (t) => {
  const store = server.openStore(t, { eventsMaxLen: 50 });
  const raw = createRedis(server.url, { name: 'raw', failFast: false, logger: createLogger('test', 'silent') });
  t.teardown(() => raw.disconnect());
  const { run } = await store.create('acme', spec);
  for (let i = 0; i < 1_000; i++) await store.appendEvent(run.id, 'log', { line: i });
  t.is(await raw.llen(`af:run:${run.id}:events`), 50);
  const events = await store.readEvents(run.id, { count: 1_000 });
  t.deepEqual(
    events.map((e) => (e.data as { line: number }).line),
    Array.from({ length: 50 }, (_, i) => 950 + i),
    'the newest 50, in order',
  );
  t.deepEqual(
    (await store.readEvents(run.id, { after: '0', count: 2 })).map((e) => e.id),
    ['952', '953'],
    'a reader that fell behind resumes at the oldest event kept',
  );
  t.deepEqual(await store.readEvents(run.id, { after: events.at(-1)!.id }), []);
});

test('a waiting read returns once an event arrives, without holding up other commands', async (t) => {
  const store = server.openStore(t);
  const { run } = await store.create('acme', spec);
  const [queued] = await store.readEvents(run.id);
  const waiting = store.readEvents(run.id, { after: queued!.id, blockMs: 60_000 });
  await store.appendEvent(run.id, 'progress', { percent: 10 });
  const events = await waiting;
  t.deepEqual(
    events.map((e) => [e.type, e.data]),
    [['progress', { percent: 10 }]],
  );
});

test('a blocking read with nothing new returns empty once its wait is over', async (t) => {
  const store = server.openStore(t);
  const { run } = await store.create('acme', spec);
  const [queued] = await store.readEvents(run.id);
  t.deepEqual(await store.readEvents(run.id, { after: queued!.id, blockMs: 200 }), []);
});

test('events for an unknown run are dropped instead of leaving an orphan list', async (t) => {
  const store = server.openStore(t);
  const raw = createRedis(server.url, { name: 'raw', failFast: false, logger: createLogger('test', 'silent') });
  t.teardown(() => raw.disconnect());
  await store.appendEvent('no-such-run', 'log', { line: 'lost' });
  t.is(await raw.exists('af:run:no-such-run:events'), 0);
  t.deepEqual(await store.readEvents('no-such-run'), []);
});

test('an event id the store did not hand out is rejected, naming the field', async (t) => {
  const store = server.openStore(t);
  const error = await t.throwsAsync(store.readEvents('x', { after: 'latest; FLUSHALL' }), { instanceOf: InvalidCursorError });
  t.is(error?.field, 'after');
});
