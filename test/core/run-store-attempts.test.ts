import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { createLogger } from '../../services/core/logger.js';
import type { RunMessage } from '../../services/core/queue/message.js';
import { createRedis } from '../../services/core/redis.js';
import { countedAttempts, type RunSpec } from '../../services/core/run/model.js';
import { RedisRunStore, type RedisRunStoreOptions } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import type { StartResult } from '../../services/core/run/store.js';
import { useRunStoreRedis } from '../support/run-store.js';

// Worker-side transitions against a real Redis: leases, takeovers, retries, cancels, rebuilds.
// Lease expiry is driven by an injected clock (the store judges leases on its clock), so no test
// waits for a lease to lapse in real time.

const server = useRunStoreRedis();

const LEASE_SECONDS = 30;

class Clock {
  now = Date.now();
  advance(ms: number): void {
    this.now += ms;
  }
}

function openStore(t: ExecutionContext, options: Partial<RedisRunStoreOptions> = {}): RedisRunStore {
  return server.openStore(t, { leaseSeconds: LEASE_SECONDS, ...options });
}

function spec(overrides: Partial<RunSpec> = {}): RunSpec {
  return { agent: 'simulate', input: { durationMs: 1 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: { team: 'infra' }, ...overrides };
}

async function queuedMessage(store: RedisRunStore, overrides: Partial<RunSpec> = {}): Promise<RunMessage> {
  const { run } = await store.create('acme', spec(overrides));
  return messageForRun(run);
}

function started(t: ExecutionContext, result: StartResult): Extract<StartResult, { kind: 'started' }> {
  if (result.kind !== 'started') t.fail(`expected started, got ${result.kind}`);
  return result as Extract<StartResult, { kind: 'started' }>;
}

test('two workers starting the same message at once: exactly one starts it, the others are told busy', async (t) => {
  const stores = Array.from({ length: 8 }, () => openStore(t));
  const message = await queuedMessage(stores[0]!);
  const results = await Promise.all(stores.map((store, i) => store.startAttempt(message, `w${i}`)));
  t.is(results.filter((r) => r.kind === 'started').length, 1);
  t.is(results.filter((r) => r.kind === 'busy').length, stores.length - 1);
  const run = await stores[0]!.get('acme', message.runId);
  t.is(run?.status, 'running');
  t.is(run?.attempts.length, 1);
});

test('a duplicate delivery never runs a finished run again', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store);
  const first = started(t, await store.startAttempt(message, 'w1'));
  t.like(await store.finishAttempt(first.lease, { outcome: 'succeeded', result: { ok: 1 } }), { kind: 'done' });
  const again = await store.startAttempt(message, 'w2');
  t.is(again.kind, 'finished');
  const run = await store.get('acme', message.runId);
  t.is(run?.status, 'succeeded');
  t.is(run?.attempts.length, 1);
});

test('finishing twice with a different outcome is rejected: the second report is lost and changes nothing', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store);
  const { lease } = started(t, await store.startAttempt(message, 'w1'));
  t.is((await store.finishAttempt(lease, { outcome: 'succeeded', result: 1 })).kind, 'done');
  t.is((await store.finishAttempt(lease, { outcome: 'failed', error: { type: 'x', message: 'late' } })).kind, 'lost');
  t.deepEqual(await store.heartbeat(lease), { held: false, cancelRequested: false });
  const run = await store.get('acme', message.runId);
  t.is(run?.status, 'succeeded');
  t.is(run?.result, 1);
});

test('a finish repeated after its reply was lost gets the same answer, so the retry message is still sent', async (t) => {
  const clock = new Clock();
  const worker = openStore(t, { clock: () => clock.now, random: () => 0.5, backoff: { baseMs: 10_000, capMs: 60_000 } });
  const message = await queuedMessage(worker);
  const { lease } = started(t, await worker.startAttempt(message, 'w1'));
  const report = { outcome: 'failed', error: { type: 'agent_error', message: 'flaky' } } as const;
  const first = await worker.finishAttempt(lease, report);
  t.like(first, { kind: 'retry', delayMs: 5_000, message: { attempt: 2 } });
  clock.advance(1_000);
  // As if the first reply never arrived: the worker asks again, from this or a fresh store.
  for (const store of [worker, openStore(t, { clock: () => clock.now })]) {
    t.like(await store.finishAttempt(lease, report), { kind: 'retry', delayMs: 4_000, message: { ...message, attempt: 2 } });
  }
  const run = await worker.get('acme', message.runId);
  t.is(run?.attempts.length, 1, 'the repeat changed nothing');
  t.is(run?.status, 'queued');
});

test('a finish from another store instance (no cached run) is applied through a fresh read', async (t) => {
  const worker = openStore(t);
  const restarted = openStore(t);
  const message = await queuedMessage(worker);
  const { lease } = started(t, await worker.startAttempt(message, 'w1'));
  t.is((await restarted.finishAttempt(lease, { outcome: 'succeeded', result: 'x' })).kind, 'done');
  t.is((await worker.get('acme', message.runId))?.status, 'succeeded');
});

test('a live lease makes other deliveries busy for the rest of the lease plus a margin', async (t) => {
  const clock = new Clock();
  const store = openStore(t, { clock: () => clock.now, busyMarginMs: 2_000 });
  const message = await queuedMessage(store);
  started(t, await store.startAttempt(message, 'w1'));
  clock.advance(10_000);
  t.deepEqual(await store.startAttempt(message, 'w2'), { kind: 'busy', retryAfterMs: 20_000 + 2_000 });
});

test('heartbeats keep the lease, so a long run is never taken over', async (t) => {
  const clock = new Clock();
  const store = openStore(t, { clock: () => clock.now });
  const message = await queuedMessage(store);
  const { lease } = started(t, await store.startAttempt(message, 'w1'));
  for (let i = 0; i < 5; i++) {
    clock.advance(20_000);
    t.deepEqual(await store.heartbeat(lease), { held: true, cancelRequested: false });
  }
  t.is((await store.startAttempt(message, 'w2')).kind, 'busy');
});

test('after its lease expires an attempt is closed as worker_lost and another worker takes over; the stale lease can neither heartbeat nor finish', async (t) => {
  const clock = new Clock();
  const store = openStore(t, { clock: () => clock.now });
  const message = await queuedMessage(store);
  const stale = started(t, await store.startAttempt(message, 'w1'));
  clock.advance(LEASE_SECONDS * 1000 + 1);
  const takeover = started(t, await store.startAttempt(message, 'w2'));
  t.is(takeover.lease.attempt, 2);
  t.like(takeover.run.attempts[0], { worker: 'w1', outcome: 'failed', error: { type: 'worker_lost' } });
  t.like(takeover.run.attempts[1], { worker: 'w2', outcome: undefined });

  t.deepEqual(await store.heartbeat(stale.lease), { held: false, cancelRequested: false });
  t.deepEqual(await store.finishAttempt(stale.lease, { outcome: 'succeeded', result: 'stale' }), { kind: 'lost' });
  const done = await store.finishAttempt(takeover.lease, { outcome: 'succeeded', result: 'fresh' });
  t.is(done.kind, 'done');
  const run = await store.get('acme', message.runId);
  t.is(run?.result, 'fresh');
  t.is(countedAttempts(run!), 2);
});

test('a run whose workers keep dying ends failed as worker_lost once its attempts are used up', async (t) => {
  const clock = new Clock();
  const store = openStore(t, { clock: () => clock.now });
  const message = await queuedMessage(store, { maxAttempts: 2 });
  started(t, await store.startAttempt(message, 'w1'));
  clock.advance(LEASE_SECONDS * 1000 + 1);
  started(t, await store.startAttempt(message, 'w2'));
  clock.advance(LEASE_SECONDS * 1000 + 1);
  const last = await store.startAttempt(message, 'w3');
  t.is(last.kind, 'finished');
  const run = await store.get('acme', message.runId);
  t.is(run?.status, 'failed');
  t.is(run?.error?.type, 'worker_lost');
  t.is(run?.attempts.length, 2);
  t.deepEqual((await store.list('acme', { status: 'failed', limit: 100 })).runs.filter((r) => r.id === message.runId).length, 1);
});

test('a retryable failure is handed back with its backoff delay and the message attempt bumped', async (t) => {
  const clock = new Clock();
  const store = openStore(t, { clock: () => clock.now, random: () => 0.5, backoff: { baseMs: 4_000, capMs: 60_000 } });
  const message = await queuedMessage(store);
  const first = started(t, await store.startAttempt(message, 'w1'));
  const retry = await store.finishAttempt(first.lease, { outcome: 'failed', error: { type: 'agent_error', message: 'flaky' } });
  if (retry.kind !== 'retry') return t.fail(`expected retry, got ${retry.kind}`);
  t.is(retry.delayMs, 2_000, 'half of the first ceiling (base 4 s) with random 0.5');
  t.deepEqual(retry.message, { ...message, attempt: 2 });
  t.is(retry.run.status, 'queued');
  t.is(retry.run.nextAttemptAt, new Date(clock.now + 2_000).toISOString());

  clock.advance(2_000);
  const second = started(t, await store.startAttempt(retry.message, 'w2'));
  t.is(second.lease.attempt, 2);
  const retry2 = await store.finishAttempt(second.lease, { outcome: 'failed', error: { type: 'agent_error', message: 'again' } });
  if (retry2.kind !== 'retry') return t.fail(`expected retry, got ${retry2.kind}`);
  t.is(retry2.delayMs, 4_000, 'the second ceiling is twice the first');
  t.is(retry2.message.attempt, 3);
});

test('the last allowed failure ends the run failed with that error, and the delivery is done', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store, { maxAttempts: 1 });
  const { lease } = started(t, await store.startAttempt(message, 'w1'));
  const result = await store.finishAttempt(lease, { outcome: 'failed', error: { type: 'agent_error', message: 'exit code 3' } });
  t.is(result.kind, 'done');
  const run = await store.get('acme', message.runId);
  t.is(run?.status, 'failed');
  t.deepEqual(run?.error, { type: 'agent_error', message: 'exit code 3' });
});

test('a failure the worker marks not retryable ends the run at once', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store, { maxAttempts: 5 });
  const { lease } = started(t, await store.startAttempt(message, 'w1'));
  const result = await store.finishAttempt(lease, { outcome: 'failed', error: { type: 'invalid_input', message: 'durationMs' }, retryable: false });
  t.is(result.kind, 'done');
  t.is((await store.get('acme', message.runId))?.status, 'failed');
});

test('a timed out attempt ends the run timed_out without a retry', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store, { maxAttempts: 5 });
  const { lease } = started(t, await store.startAttempt(message, 'w1'));
  t.is((await store.finishAttempt(lease, { outcome: 'timed_out' })).kind, 'done');
  const run = await store.get('acme', message.runId);
  t.is(run?.status, 'timed_out');
  t.is(run?.attempts[0]?.outcome, 'timed_out');
});

test('an interrupted attempt is handed back at once and not counted against maxAttempts', async (t) => {
  const store = openStore(t);
  let message = await queuedMessage(store, { maxAttempts: 1 });
  for (let i = 1; i <= 3; i++) {
    const { lease } = started(t, await store.startAttempt(message, `w${i}`));
    const result = await store.finishAttempt(lease, { outcome: 'interrupted' });
    if (result.kind !== 'retry') return t.fail(`expected retry, got ${result.kind}`);
    t.is(result.delayMs, 0);
    t.is(result.message.attempt, i + 1);
    message = result.message;
  }
  const { lease } = started(t, await store.startAttempt(message, 'w4'));
  t.is((await store.finishAttempt(lease, { outcome: 'succeeded', result: 'finally' })).kind, 'done');
  const run = await store.get('acme', message.runId);
  t.is(run?.status, 'succeeded');
  t.deepEqual(
    run?.attempts.map((a) => a.outcome),
    ['interrupted', 'interrupted', 'interrupted', 'succeeded'],
  );
});

test('cancelling a queued run ends it at once; its delivery is then dropped', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store);
  const result = await store.requestCancel('acme', message.runId);
  t.is(result.kind, 'cancelled');
  t.is((await store.get('acme', message.runId))?.status, 'cancelled');
  t.like(await store.startAttempt(message, 'w1'), { kind: 'finished', run: { status: 'cancelled' } });
  t.is((await store.requestCancel('acme', message.runId)).kind, 'already_finished');
});

test('cancelling a running run notifies the worker at once over pub/sub and through its heartbeat', async (t) => {
  const api = openStore(t);
  const worker = openStore(t);
  const message = await queuedMessage(api);
  const { lease } = started(t, await worker.startAttempt(message, 'w1'));
  let resolveNotified: (runId: string) => void = () => {};
  const notified = new Promise<string>((resolve) => (resolveNotified = resolve));
  // Resolves once the subscription is confirmed, so the request below cannot outrun it.
  await worker.onCancelRequested((runId) => {
    if (runId === message.runId) resolveNotified(runId);
  });
  const result = await api.requestCancel('acme', message.runId);
  t.like(result, { kind: 'requested', run: { status: 'running', cancelRequested: true } });
  t.is(await withTimeout(notified, 20_000, 'cancel notification'), message.runId);

  t.deepEqual(await worker.heartbeat(lease), { held: true, cancelRequested: true });
  t.like(await worker.finishAttempt(lease, { outcome: 'cancelled' }), { kind: 'done', run: { status: 'cancelled' } });
  t.like((await api.get('acme', message.runId))?.attempts[0], { outcome: 'cancelled' });
});

test('a cancel request that lands between start and finish is honoured: a retryable failure ends cancelled', async (t) => {
  const api = openStore(t);
  const worker = openStore(t);
  const message = await queuedMessage(api);
  const { lease } = started(t, await worker.startAttempt(message, 'w1'));
  t.is((await api.requestCancel('acme', message.runId)).kind, 'requested');
  const result = await worker.finishAttempt(lease, { outcome: 'failed', error: { type: 'agent_error', message: 'stopped' } });
  t.like(result, { kind: 'done', run: { status: 'cancelled' } });
});

test('a cancel request from another tenant is not_found and changes nothing', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store);
  t.deepEqual(await store.requestCancel('intruder', message.runId), { kind: 'not_found' });
  t.is((await store.get('acme', message.runId))?.status, 'queued');
});

test('a run whose Redis record is gone is rebuilt from its message and runs', async (t) => {
  const store = openStore(t);
  const raw = createRedis(server.url, { name: 'raw', failFast: false, logger: createLogger('test', 'silent') });
  t.teardown(() => raw.disconnect());
  const message = await queuedMessage(store, { metadata: { team: 'ml' } });
  await raw.del(`af:run:${message.runId}`);
  t.is(await store.get('acme', message.runId), undefined);

  const { run, lease } = started(t, await store.startAttempt({ ...message, attempt: 2 }, 'w1'));
  t.like(run, { id: message.runId, tenant: 'acme', agent: 'simulate', status: 'running', createdAt: message.createdAt, metadata: { team: 'ml' } });
  t.deepEqual(run.input, message.input);
  t.is((await store.finishAttempt(lease, { outcome: 'succeeded', result: 'rebuilt' })).kind, 'done');
  t.is((await store.get('acme', message.runId))?.result, 'rebuilt');
});

test('two workers rebuilding the same lost run at once still start it exactly once', async (t) => {
  const stores = Array.from({ length: 6 }, () => openStore(t));
  const template = await queuedMessage(stores[0]!);
  for (let round = 0; round < 20; round++) {
    const message: RunMessage = { ...template, runId: `lost-${randomUUID()}` };
    const results = await Promise.all(stores.map((store, i) => store.startAttempt(message, `w${i}`)));
    t.is(results.filter((r) => r.kind === 'started').length, 1);
    const run = await stores[0]!.get('acme', message.runId);
    t.is(run?.attempts.length, 1, 'no attempt was closed as lost by a racing rebuild');
  }
});

test('a message that reached the queue for a discarded run is dropped, not rebuilt', async (t) => {
  const store = openStore(t);
  const { run } = await store.create('acme', spec());
  await store.discard(run);
  t.like(await store.startAttempt(messageForRun(run), 'w1'), { kind: 'finished', run: { status: 'cancelled' } });
  t.is(await store.get('acme', run.id), undefined);
});

test('log and progress events of a running attempt land in order between its status events', async (t) => {
  const store = openStore(t);
  const message = await queuedMessage(store);
  const { lease } = started(t, await store.startAttempt(message, 'w1'));
  await store.appendEvent(message.runId, 'log', { line: 'hello' });
  await store.appendEvent(message.runId, 'progress', { percent: 50 });
  await store.finishAttempt(lease, { outcome: 'succeeded', result: null });
  const events = await store.readEvents(message.runId);
  t.deepEqual(
    events.map((e) => [e.type, e.type === 'status' ? (e.data as { status: string }).status : e.data]),
    [
      ['status', 'queued'],
      ['status', 'running'],
      ['log', { line: 'hello' }],
      ['progress', { percent: 50 }],
      ['status', 'succeeded'],
    ],
  );
});

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}


