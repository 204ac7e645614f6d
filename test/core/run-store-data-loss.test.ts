import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import type { RunMessage } from '../../services/core/queue/message.js';
import type { RunSpec } from '../../services/core/run/model.js';
import { restoreRun } from '../../services/core/run/lua/restore-run.js';
import { defineRunScripts } from '../../services/core/run/lua/scripts.js';
import type { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { RunKeys } from '../../services/core/run/redis-keys.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import type { Lease, StartResult } from '../../services/core/run/store.js';
import { useRunStoreRedis } from '../support/run-store.js';

// Redis loses its data (FLUSHALL stands in for a node restarted empty) while a worker holds a run's
// lease: the holder restores the record and records the outcome (DESIGN §6), and never against a
// run another worker rebuilt meanwhile. Serial: each test flushes the whole server.

const server = useRunStoreRedis();
let admin: Redis;
test.serial.before(() => {
  admin = new Redis(server.url);
});
test.after.always(() => {
  admin?.disconnect();
});

const TENANT = 'acme';

function spec(): RunSpec {
  return { agent: 'simulate', input: { durationMs: 5 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: { team: 'infra' } };
}

async function startedRun(t: ExecutionContext, store: RedisRunStore): Promise<{ message: RunMessage; lease: Lease }> {
  const { run } = await store.create(TENANT, spec(), { idempotencyKey: 'lost-with-redis' });
  await store.markSent(run.id);
  const message = messageForRun(run);
  return { message, lease: started(t, await store.startAttempt(message, 'holder')).lease };
}

function started(t: ExecutionContext, result: StartResult): Extract<StartResult, { kind: 'started' }> {
  if (result.kind !== 'started') t.fail(`expected started, got ${result.kind}`);
  return result as Extract<StartResult, { kind: 'started' }>;
}

async function listedIds(store: RedisRunStore, query: Parameters<RedisRunStore['list']>[1]): Promise<string[]> {
  return (await store.list(TENANT, query)).runs.map((run) => run.id);
}

test.serial("a running run whose record Redis lost is restored by its holder's heartbeat, then finishes: succeeded, indexed, with its attempt", async (t) => {
  const store = server.openStore(t);
  const { message, lease } = await startedRun(t, store);
  await admin.flushall();
  t.is(await store.get(TENANT, message.runId), undefined, 'the record is gone');

  t.deepEqual(await store.heartbeat(lease), { held: true, cancelRequested: false });
  const restored = await store.get(TENANT, message.runId);
  t.like(restored, { status: 'running', attempts: [{ number: 1, worker: 'holder' }] });
  t.deepEqual(await listedIds(store, { limit: 10 }), [message.runId]);
  t.deepEqual(await listedIds(store, { limit: 10, status: 'running' }), [message.runId]);
  t.deepEqual(await listedIds(store, { limit: 10, agent: 'simulate', status: 'running' }), [message.runId]);
  const events = await store.readEvents(message.runId);
  t.is(events.length, 1, 'the events before the loss are gone; the restored record starts again from its status');
  t.like(events[0], { type: 'status', data: { status: 'running', attempt: 1 } });

  t.like(await store.finishAttempt(lease, { outcome: 'succeeded', result: { ok: true } }), { kind: 'done', run: { status: 'succeeded' } });
  const run = await store.get(TENANT, message.runId);
  t.like(run, { status: 'succeeded', result: { ok: true }, attempts: [{ number: 1, worker: 'holder', outcome: 'succeeded' }] });
  t.deepEqual(await listedIds(store, { limit: 10, status: 'succeeded' }), [message.runId]);
  t.deepEqual(await listedIds(store, { limit: 10, status: 'running' }), []);
  t.deepEqual(await listedIds(store, { limit: 10, agent: 'simulate' }), [message.runId]);
});

test.serial('a holder that finishes with no heartbeat since the loss restores the record and records the outcome', async (t) => {
  const store = server.openStore(t);
  const { message, lease } = await startedRun(t, store);
  await admin.flushall();
  const finish = await store.finishAttempt(lease, { outcome: 'failed', error: { type: 'agent_error', message: 'boom' } });
  t.like(finish, { kind: 'retry', run: { status: 'queued' } });
  const run = await store.get(TENANT, message.runId);
  t.like(run, { status: 'queued', attempts: [{ number: 1, outcome: 'failed' }] });
  t.deepEqual(await listedIds(store, { limit: 10, status: 'queued' }), [message.runId]);
  if (finish.kind !== 'retry') return;
  t.is(started(t, await store.startAttempt(finish.message, 'next')).run.attempts.length, 2, 'the retry message starts attempt 2 on the restored record');
});

test.serial("a rebuild by another worker first: the holder's heartbeat and finish lose to it, and the run succeeds once", async (t) => {
  const holder = server.openStore(t);
  const other = server.openStore(t);
  const { message, lease } = await startedRun(t, holder);
  await admin.flushall();
  const rebuilt = started(t, await other.startAttempt(message, 'other'));

  t.false((await holder.heartbeat(lease)).held, 'the rebuilt record is not overwritten');
  t.deepEqual(await holder.finishAttempt(lease, { outcome: 'succeeded', result: 'holder' }), { kind: 'lost' });
  t.like(await other.finishAttempt(rebuilt.lease, { outcome: 'succeeded', result: 'other' }), { kind: 'done' });
  t.like(await other.get(TENANT, message.runId), { status: 'succeeded', result: 'other', attempts: [{ worker: 'other', outcome: 'succeeded' }] });
});

test.serial('the holder restoring first: a redelivery elsewhere is told busy, then finished, and the run succeeds once', async (t) => {
  const holder = server.openStore(t);
  const other = server.openStore(t);
  const { message, lease } = await startedRun(t, holder);
  await admin.flushall();
  t.true((await holder.heartbeat(lease)).held);
  t.is((await other.startAttempt(message, 'other')).kind, 'busy');
  t.like(await holder.finishAttempt(lease, { outcome: 'succeeded', result: 'holder' }), { kind: 'done' });
  t.is((await other.startAttempt(message, 'other')).kind, 'finished');
  t.like(await holder.get(TENANT, message.runId), { status: 'succeeded', result: 'holder', attempts: [{ worker: 'holder', outcome: 'succeeded' }] });
});

test.serial("a holder's finish racing another worker's rebuild after the loss never yields two successes", async (t) => {
  for (let round = 0; round < 12; round++) {
    const holder = server.openStore(t);
    const other = server.openStore(t);
    const { message, lease } = await startedRun(t, holder);
    await admin.flushall();
    const [holderFinish, otherStart] = await Promise.all([
      holder.finishAttempt(lease, { outcome: 'succeeded', result: 'holder' }),
      other.startAttempt(message, 'other'),
    ]);
    const otherFinish = otherStart.kind === 'started' ? await other.finishAttempt(otherStart.lease, { outcome: 'succeeded', result: 'other' }) : undefined;
    const done = [holderFinish, otherFinish].filter((finish) => finish?.kind === 'done');
    t.is(done.length, 1, `round ${round}: holder ${holderFinish.kind}, other ${otherStart.kind}/${otherFinish?.kind ?? '-'}`);
    const run = await holder.get(TENANT, message.runId);
    t.is(run?.status, 'succeeded');
    t.is(run?.attempts.filter((attempt) => attempt.outcome === 'succeeded').length, 1);
  }
});

test.serial('a store that does not hold the run cannot restore it: its finish says missing, so the delivery is handed back rather than acked', async (t) => {
  const holder = server.openStore(t);
  const stranger = server.openStore(t);
  const { message, lease } = await startedRun(t, holder);
  await admin.flushall();
  t.deepEqual(await stranger.heartbeat(lease), { held: true, cancelRequested: false }, 'no other attempt holds it');
  t.deepEqual(await stranger.finishAttempt(lease, { outcome: 'succeeded', result: 1 }), { kind: 'missing' });
  t.is(await stranger.get(TENANT, message.runId), undefined);
});

test.serial('an abandoned attempt is forgotten: after a loss its late finish says missing instead of restoring stale state', async (t) => {
  const store = server.openStore(t);
  const { message, lease } = await startedRun(t, store);
  store.abandonAttempt(lease);
  await admin.flushall();
  t.deepEqual(await store.finishAttempt(lease, { outcome: 'succeeded', result: 1 }), { kind: 'missing' });
  t.is(await store.get(TENANT, message.runId), undefined);
});

test.serial('the restore never overwrites a record that exists (one rebuilt between the holder finding it missing and restoring it)', async (t) => {
  // The window between the two script calls cannot be hit on demand from outside the store, so the
  // restore script is called directly, as the store calls it, on a record another worker rebuilt.
  const holder = server.openStore(t);
  const other = server.openStore(t);
  const { message, lease } = await startedRun(t, holder);
  await admin.flushall();
  const rebuilt = started(t, await other.startAttempt(message, 'other'));
  const before = await admin.hgetall(`af:run:${message.runId}`);
  const run = rebuilt.run;
  const restored = await restoreRun(defineRunScripts(admin), new RunKeys(), {
    run: { ...run, attempts: [{ ...run.attempts[0]!, worker: 'holder' }] },
    version: 2,
    token: lease.token,
    leaseUntil: Date.now() + 30_000,
    now: Date.now(),
  });
  t.false(restored);
  t.deepEqual(await admin.hgetall(`af:run:${message.runId}`), before);
  t.true((await other.heartbeat(rebuilt.lease)).held);
});
