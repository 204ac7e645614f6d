import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { messageForRun } from '../../services/core/run/run-message.js';
import { startApiHarness, type ApiClient, type ApiHarness } from './helpers/api-harness.js';

let api: ApiHarness;

test.before(async () => {
  const agentsFile = join(tmpdir(), `agentfleet-api-agents-${process.pid}.json`);
  writeFileSync(agentsFile, JSON.stringify({ agents: { other: { type: 'simulate', maxAttempts: 1 } } }));
  api = await startApiHarness({ AGENTS_FILE: agentsFile });
});

test.after.always(async () => {
  await api?.close();
});

async function submitMany(client: ApiClient, count: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) ids.push((await client.submit({ input: { i }, ...extra })).json.id);
  return ids;
}

/** Plays the worker: starts the run's first attempt through the real store and finishes it as told. */
async function runToCompletion(client: ApiClient, id: string): Promise<void> {
  const run = await api.store.get(client.tenant, id);
  if (!run) throw new Error(`run ${id} not in the store`);
  const started = await api.store.startAttempt(messageForRun(run), 'test-worker');
  if (started.kind !== 'started') throw new Error(`could not start ${id}: ${started.kind}`);
  await api.store.finishAttempt(started.lease, { outcome: 'succeeded', result: { answer: 42 } });
}

test("another tenant's run is 404 on get and cancel, with the same body as a missing run", async (t) => {
  const owner = await api.newTenant();
  const stranger = await api.newTenant();
  const { id } = (await owner.submit()).json;

  const peek = await stranger.get(`/v1/runs/${id}`);
  const missing = await stranger.get('/v1/runs/00000000-0000-7000-8000-000000000000');
  t.is(peek.status, 404);
  t.is(missing.status, 404);
  const { requestId: _a, detail: peekDetail, ...peekRest } = peek.json;
  const { requestId: _b, detail: missingDetail, ...missingRest } = missing.json;
  t.deepEqual(peekRest, missingRest);
  t.is(peekDetail.replace(id, 'ID'), missingDetail.replace('00000000-0000-7000-8000-000000000000', 'ID'));

  const cancel = await stranger.post(`/v1/runs/${id}/cancel`);
  t.is(cancel.status, 404);
  t.is((await owner.get(`/v1/runs/${id}`)).json.status, 'queued', "the stranger's cancel changed nothing");
});

test("another tenant's runs are absent from a listing", async (t) => {
  const owner = await api.newTenant();
  const stranger = await api.newTenant();
  const ownerIds = await submitMany(owner, 3);
  const strangerIds = await submitMany(stranger, 2);
  const listed = (await stranger.get('/v1/runs?limit=200')).json.runs.map((r: { id: string }) => r.id);
  t.deepEqual([...listed].sort(), [...strangerIds].sort());
  t.false(ownerIds.some((id) => listed.includes(id)));
});

test('cursor paging visits every run exactly once and ends with a null cursor', async (t) => {
  const client = await api.newTenant();
  const ids = await submitMany(client, 7);
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = cursor ? `?limit=3&cursor=${encodeURIComponent(cursor)}` : '?limit=3';
    const page = await client.get(`/v1/runs${query}`);
    t.is(page.status, 200);
    t.true(page.json.runs.length <= 3);
    seen.push(...page.json.runs.map((r: { id: string }) => r.id));
    cursor = page.json.nextCursor;
    pages += 1;
    if (pages > 10) break;
  } while (cursor !== null);
  t.is(seen.length, ids.length);
  t.deepEqual([...seen].sort(), [...ids].sort());
  t.true(pages >= 3);
});

test('listing filters by status and by agent', async (t) => {
  const client = await api.newTenant();
  const simulateIds = await submitMany(client, 3);
  const otherIds = await submitMany(client, 2, { agent: 'other' });
  const cancelled = simulateIds[0]!;
  t.is((await client.post(`/v1/runs/${cancelled}/cancel`)).status, 202);

  const ids = async (query: string) => ((await client.get(`/v1/runs${query}`)).json.runs as { id: string }[]).map((r) => r.id).sort();
  t.deepEqual(await ids('?agent=other'), [...otherIds].sort());
  t.deepEqual(await ids('?status=cancelled'), [cancelled]);
  t.deepEqual(await ids('?status=queued&agent=simulate'), simulateIds.slice(1).sort());
  t.deepEqual(await ids('?status=succeeded'), []);
});

test('a bad status filter is 400 naming status; a forged cursor is 400 naming cursor', async (t) => {
  const client = await api.newTenant();
  const badStatus = await client.get('/v1/runs?status=finished');
  t.is(badStatus.status, 400);
  t.deepEqual(badStatus.json.errors.map((e: { field: string }) => e.field), ['status']);
  const badLimit = await client.get('/v1/runs?limit=201');
  t.deepEqual(badLimit.json.errors.map((e: { field: string }) => e.field), ['limit']);
  const badCursor = await client.get('/v1/runs?cursor=not-a-cursor-we-made');
  t.is(badCursor.status, 400);
  t.deepEqual(badCursor.json.errors.map((e: { field: string }) => e.field), ['cursor']);
});

test('cancelling a queued run makes it cancelled, and cancelling again is still 202', async (t) => {
  const client = await api.newTenant();
  const { id } = (await client.submit()).json;
  const first = await client.post(`/v1/runs/${id}/cancel`);
  t.is(first.status, 202);
  t.is(first.json.status, 'cancelled');
  t.not(first.json.finishedAt, null);
  const again = await client.post(`/v1/runs/${id}/cancel`);
  t.is(again.status, 202);
  t.is(again.json.status, 'cancelled');
  t.is((await client.get(`/v1/runs/${id}`)).json.status, 'cancelled');
});

test('cancelling a running run is 202 with the cancel requested, and it stays running until its worker stops', async (t) => {
  const client = await api.newTenant();
  const { id } = (await client.submit()).json;
  const run = await api.store.get(client.tenant, id);
  const started = await api.store.startAttempt(messageForRun(run!), 'test-worker');
  t.is(started.kind, 'started');
  const response = await client.post(`/v1/runs/${id}/cancel`);
  t.is(response.status, 202);
  t.like(response.json, { status: 'running', cancelRequested: true });
  t.is(response.json.attempts.length, 1);
  t.is(response.json.attempts[0].outcome, null);
});

test('cancelling a run that already succeeded is 409 naming its status, and changes nothing', async (t) => {
  const client = await api.newTenant();
  const { id } = (await client.submit()).json;
  await runToCompletion(client, id);
  const response = await client.post(`/v1/runs/${id}/cancel`);
  t.is(response.status, 409);
  t.regex(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.is(response.json.runStatus, 'succeeded');
  const run = (await client.get(`/v1/runs/${id}`)).json;
  t.like(run, { status: 'succeeded', result: { answer: 42 }, error: null });
  t.like(run.attempts[0], { number: 1, outcome: 'succeeded', error: null });
  t.not(run.attempts[0].finishedAt, null);
});
