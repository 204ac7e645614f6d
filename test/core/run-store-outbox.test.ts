import { randomUUID } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import type { RunSpec } from '../../services/core/run/model.js';
import type { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { useRunStoreRedis } from '../support/run-store.js';

// The outbox of runs recorded whose queue message may not have been sent: who is told to send it
// (create's `mustSend`, claimUnsent) and when it leaves. Time moves on an injected clock.

const server = useRunStoreRedis();

const SEND_CLAIM_MS = 3_000;
const GRACE_MS = 30_000;

class Clock {
  now = Date.now();
  advance(ms: number): void {
    this.now += ms;
  }
}

/** Stores on one key prefix of their own (each on its own connection), sharing `clock`. */
function openStores(t: ExecutionContext, clock: Clock, count = 1): RedisRunStore[] {
  const keyPrefix = `t${randomUUID()}`;
  return Array.from({ length: count }, () => server.openStore(t, { keyPrefix, sendClaimMs: SEND_CLAIM_MS, clock: () => clock.now }));
}

function spec(): RunSpec {
  return { agent: 'simulate', input: { durationMs: 5 }, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {} };
}

test('a new run must be sent; once marked sent, neither a replay nor a sweep sends it again', async (t) => {
  const clock = new Clock();
  const [store] = openStores(t, clock);
  const first = await store!.create('acme', spec(), { idempotencyKey: 'k1' });
  t.like(first, { created: true, mustSend: true });
  await store!.markSent(first.run.id);
  clock.advance(GRACE_MS + 1);
  t.like(await store!.create('acme', spec(), { idempotencyKey: 'k1' }), { created: false, mustSend: false });
  t.deepEqual(await store!.claimUnsent(GRACE_MS, 100), []);
});

test('a replay of a run never marked sent must send it once the claim of its first sender has lapsed', async (t) => {
  const clock = new Clock();
  const [store] = openStores(t, clock);
  const { run } = await store!.create('acme', spec(), { idempotencyKey: 'stranded' });
  clock.advance(SEND_CLAIM_MS - 1);
  t.like(await store!.create('acme', spec(), { idempotencyKey: 'stranded' }), { run: { id: run.id }, created: false, mustSend: false }, 'its creator may still be sending');
  clock.advance(2);
  t.like(await store!.create('acme', spec(), { idempotencyKey: 'stranded' }), { run: { id: run.id }, created: false, mustSend: true });
  t.like(await store!.create('acme', spec(), { idempotencyKey: 'stranded' }), { mustSend: false }, 'the replay that was told to send holds the claim now');
});

test('of concurrent replays of a stranded run, exactly one is told to send it', async (t) => {
  const clock = new Clock();
  const stores = openStores(t, clock, 4);
  const { run } = await stores[0]!.create('acme', spec(), { idempotencyKey: 'burst' });
  clock.advance(SEND_CLAIM_MS + 1);
  const replays = await Promise.all(Array.from({ length: 24 }, (_, i) => stores[i % 4]!.create('acme', spec(), { idempotencyKey: 'burst' })));
  t.true(replays.every((replay) => replay.run.id === run.id && !replay.created));
  t.is(replays.filter((replay) => replay.mustSend).length, 1);
});

test('a replay of a run a worker started is not told to send it, and the run leaves the outbox', async (t) => {
  const clock = new Clock();
  const [store] = openStores(t, clock);
  const { run } = await store!.create('acme', spec(), { idempotencyKey: 'started' });
  t.is((await store!.startAttempt(messageForRun(run), 'w1')).kind, 'started');
  clock.advance(GRACE_MS + 1);
  t.like(await store!.create('acme', spec(), { idempotencyKey: 'started' }), { created: false, mustSend: false });
  t.deepEqual(await store!.claimUnsent(GRACE_MS, 100), []);
});

test('a run a replay has returned is not withdrawn when its creator\'s send fails: it stays for the sweeper', async (t) => {
  const clock = new Clock();
  const [store] = openStores(t, clock);
  // The creator's send is still on its way when the client's retry (same key) is answered 202.
  const first = await store!.create('acme', spec(), { idempotencyKey: 'slow-send' });
  const replay = await store!.create('acme', spec(), { idempotencyKey: 'slow-send' });
  t.like(replay, { created: false, mustSend: false });
  t.is(replay.run.id, first.run.id);

  // Then the creator's send fails and it withdraws what it recorded.
  t.false(await store!.discard(first.run), 'discard says it kept the run');
  t.is((await store!.get('acme', first.run.id))?.status, 'queued', 'the run the retry was promised is still there');
  clock.advance(GRACE_MS + 1);
  t.deepEqual((await store!.claimUnsent(GRACE_MS, 100)).map((run) => run.id), [first.run.id], 'and the sweeper sends its message');
});

test('a run nobody else was given is withdrawn by its creator\'s failed send', async (t) => {
  const clock = new Clock();
  const [store] = openStores(t, clock);
  const { run } = await store!.create('acme', spec(), { idempotencyKey: 'failed-send' });
  t.true(await store!.discard(run), 'discard says it withdrew the run');
  t.is(await store!.get('acme', run.id), undefined);
  const retry = await store!.create('acme', spec(), { idempotencyKey: 'failed-send' });
  t.like(retry, { created: true, mustSend: true }, 'the retry starts clean');
  t.not(retry.run.id, run.id);
});

test('claimUnsent returns runs still waiting for their message after the grace, and drops started, cancelled and discarded ones', async (t) => {
  const clock = new Clock();
  const [store] = openStores(t, clock);
  const waiting = (await store!.create('acme', spec())).run;
  const started = (await store!.create('acme', spec())).run;
  const cancelled = (await store!.create('acme', spec())).run;
  const discarded = (await store!.create('acme', spec())).run;
  t.is((await store!.startAttempt(messageForRun(started), 'w1')).kind, 'started');
  t.is((await store!.requestCancel('acme', cancelled.id)).kind, 'cancelled');
  await store!.discard(discarded);

  clock.advance(GRACE_MS - 1);
  t.deepEqual(await store!.claimUnsent(GRACE_MS, 100), [], 'nothing is due within the grace');
  clock.advance(2);
  t.deepEqual(await store!.claimUnsent(GRACE_MS, 100), [waiting]);
  t.deepEqual(await store!.claimUnsent(GRACE_MS, 100), [], 'the claim holds for another grace');
  clock.advance(GRACE_MS + 1);
  t.deepEqual(
    (await store!.claimUnsent(GRACE_MS, 100)).map((run) => run.id),
    [waiting.id],
    'a claimed run that was never marked sent is due again; the others were dropped for good',
  );
});

test('concurrent claimUnsent calls never claim the same run', async (t) => {
  const clock = new Clock();
  const stores = openStores(t, clock, 4);
  const created = await Promise.all(Array.from({ length: 60 }, () => stores[0]!.create('acme', spec())));
  clock.advance(GRACE_MS + 1);
  const claims = await Promise.all(stores.flatMap((store) => [store.claimUnsent(GRACE_MS, 7), store.claimUnsent(GRACE_MS, 7), store.claimUnsent(GRACE_MS, 7)]));
  const claimed = claims.flat().map((run) => run.id);
  t.is(new Set(claimed).size, claimed.length, 'no run was claimed twice');
  t.is(claimed.length, Math.min(created.length, 12 * 7));
});
