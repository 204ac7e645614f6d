import { randomUUID } from 'node:crypto';
import test from 'ava';
import { createLogger } from '../../services/core/logger.js';
import { createRedis } from '../../services/core/redis.js';
import { InvalidCursorError } from '../../services/core/run/errors.js';
import type { Run, RunSpec } from '../../services/core/run/model.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import type { ListQuery, RunStore } from '../../services/core/run/store.js';
import { waitFor } from '../support/ports.js';
import { useRunStoreRedis } from '../support/run-store.js';

// Cursor listing per tenant with filters, and retention of finished runs.

const server = useRunStoreRedis();

function spec(agent = 'simulate'): RunSpec {
  return { agent, input: {}, timeoutSeconds: 60, maxAttempts: 1, priority: 0, metadata: {} };
}

/** Follows cursors to the end, returning every page. */
async function allPages(store: RunStore, tenant: string, query: Omit<ListQuery, 'cursor'>): Promise<Run[][]> {
  const pages: Run[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(tenant, { ...query, ...(cursor ? { cursor } : {}) });
    pages.push(page.runs);
    cursor = page.nextCursor;
  } while (cursor);
  return pages;
}

async function finish(store: RunStore, run: Run, outcome: 'succeeded' | 'failed'): Promise<void> {
  const started = await store.startAttempt(messageForRun(run), 'w1');
  if (started.kind !== 'started') throw new Error(`expected started, got ${started.kind}`);
  await store.finishAttempt(
    started.lease,
    outcome === 'succeeded' ? { outcome, result: null } : { outcome, error: { type: 'x', message: 'x' }, retryable: false },
  );
}

test('paging with a small limit returns every run exactly once, newest first, and the last page has no cursor', async (t) => {
  const store = server.openStore(t);
  const tenant = `t-${randomUUID()}`;
  const created: string[] = [];
  for (let i = 0; i < 57; i++) created.push((await store.create(tenant, spec())).run.id);
  const pages = await allPages(store, tenant, { limit: 10 });
  t.deepEqual(
    pages.map((p) => p.length),
    [10, 10, 10, 10, 10, 7],
  );
  t.deepEqual(
    pages.flat().map((r) => r.id),
    created.slice().reverse(),
  );
});

test('an exact multiple of the limit ends without an empty trailing page', async (t) => {
  const store = server.openStore(t);
  const tenant = `t-${randomUUID()}`;
  for (let i = 0; i < 20; i++) await store.create(tenant, spec());
  const pages = await allPages(store, tenant, { limit: 10 });
  t.deepEqual(
    pages.map((p) => p.length),
    [10, 10],
  );
});

test('runs created while a client pages never show up twice nor push unseen runs out', async (t) => {
  const store = server.openStore(t);
  const tenant = `t-${randomUUID()}`;
  const before: string[] = [];
  for (let i = 0; i < 30; i++) before.push((await store.create(tenant, spec())).run.id);
  const seen: string[] = [];
  let page = await store.list(tenant, { limit: 7 });
  seen.push(...page.runs.map((r) => r.id));
  while (page.nextCursor) {
    await Promise.all(Array.from({ length: 5 }, () => store.create(tenant, spec())));
    page = await store.list(tenant, { limit: 7, cursor: page.nextCursor });
    seen.push(...page.runs.map((r) => r.id));
  }
  t.deepEqual(seen, before.slice().reverse());
});

test('listing filters by status, by agent, and by both', async (t) => {
  const store = server.openStore(t);
  const tenant = `t-${randomUUID()}`;
  const runs: Run[] = [];
  for (let i = 0; i < 24; i++) runs.push((await store.create(tenant, spec(i % 2 === 0 ? 'alpha' : 'beta'))).run);
  for (const run of runs.slice(0, 8)) await finish(store, run, 'succeeded');
  for (const run of runs.slice(8, 12)) await finish(store, run, 'failed');
  for (const run of runs.slice(12, 15)) await store.startAttempt(messageForRun(run), 'w1');
  const statusOf = (run: Run) => (runs.indexOf(run) < 8 ? 'succeeded' : runs.indexOf(run) < 12 ? 'failed' : runs.indexOf(run) < 15 ? 'running' : 'queued');

  const expect = (predicate: (run: Run) => boolean) =>
    runs
      .filter(predicate)
      .map((r) => r.id)
      .reverse();
  const ids = async (query: Omit<ListQuery, 'cursor' | 'limit'>) => (await allPages(store, tenant, { ...query, limit: 3 })).flat().map((r) => r.id);

  for (const status of ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const) {
    t.deepEqual(await ids({ status }), expect((r) => statusOf(r) === status), `status ${status}`);
  }
  t.deepEqual(await ids({ agent: 'alpha' }), expect((r) => r.agent === 'alpha'));
  t.deepEqual(await ids({ agent: 'beta', status: 'succeeded' }), expect((r) => r.agent === 'beta' && statusOf(r) === 'succeeded'));
  t.deepEqual(await ids({ agent: 'gamma' }), []);
  const listed = (await store.list(tenant, { status: 'failed', limit: 100 })).runs;
  t.true(listed.every((r) => r.status === 'failed'));
});

test('a tenant lists only its own runs', async (t) => {
  const store = server.openStore(t);
  const mine = `t-${randomUUID()}`;
  const theirs = `t-${randomUUID()}`;
  await store.create(mine, spec());
  await store.create(theirs, spec());
  await store.create(theirs, spec());
  const listed = (await store.list(mine, { limit: 100 })).runs;
  t.is(listed.length, 1);
  t.is(listed[0]?.tenant, mine);
});

test('a cursor the store did not hand out is rejected, naming the field', async (t) => {
  const store = server.openStore(t);
  for (const cursor of ['garbage!', Buffer.from('v2:abc').toString('base64url'), '']) {
    const error = await t.throwsAsync(store.list('acme', { limit: 10, cursor }), { instanceOf: InvalidCursorError });
    t.is(error?.field, 'cursor');
  }
  await t.throwsAsync(store.list('acme', { limit: 0 }), { instanceOf: RangeError, message: /^limit:/ });
});

test('finished runs expire after the retention with their events and idempotency key, and leave no index entries behind', async (t) => {
  const store = server.openStore(t, { retentionSeconds: 1 });
  const raw = createRedis(server.url, { name: 'raw', failFast: false, logger: createLogger('test', 'silent') });
  t.teardown(() => raw.disconnect());
  const tenant = `t-${randomUUID()}`;
  const finished: Run[] = [];
  for (let i = 0; i < 5; i++) finished.push((await store.create(tenant, spec(), { idempotencyKey: `k${i}` })).run);
  const { run: waiting } = await store.create(tenant, spec());
  for (const run of finished) await finish(store, run, 'succeeded');

  t.true((await raw.pttl(`af:run:${finished[0]!.id}`)) > 0, 'a finished run has an expiry');
  t.is(await raw.pttl(`af:run:${waiting.id}`), -1, 'a queued run never expires');

  await waitFor(async () => (await raw.exists(...finished.map((r) => `af:run:${r.id}`))) === 0, 'finished runs to expire', 30_000);
  t.is(await raw.exists(...finished.map((r) => `af:run:${r.id}:events`)), 0);
  t.true((await store.create(tenant, spec(), { idempotencyKey: 'k0' })).created, 'the idempotency key expired with its run');

  const listed = await store.list(tenant, { limit: 10 });
  t.deepEqual(
    listed.runs.map((r) => r.status),
    ['queued', 'queued'],
    'expired runs leave no holes in a page',
  );
  t.is(await raw.zcard(`af:runs:${tenant}`), 2, 'listing dropped the entries of expired runs it met');

  // Indexes nobody lists are cleaned when later runs finish.
  const statusIndex = `af:runs:${tenant}:status:succeeded`;
  t.is(await raw.zcard(statusIndex), 5);
  await finish(store, waiting, 'failed');
  t.is(await raw.zcard(statusIndex), 0);
  t.is(await raw.zcard(`af:runs:${tenant}:agent:simulate:status:succeeded`), 0);
});
