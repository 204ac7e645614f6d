import test from 'ava';
import { messageForRun } from '../../services/core/run/run-message.js';
import type { Lease } from '../../services/core/run/store.js';
import { ApiClient, startApiHarness, type ApiHarness } from './helpers/api-harness.js';

let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** Opens the run's event stream; `events` fills as they arrive, `done` resolves when the server ends it. */
function openStream(client: ApiClient, runId: string, lastEventId?: string) {
  const abort = new AbortController();
  const events: SseEvent[] = [];
  const response = fetch(`${client.url}/v1/runs/${runId}/events`, {
    headers: { authorization: `Bearer ${client.key}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  const done = (async () => {
    const res = await response;
    if (!res.body) return res;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n').filter((line) => !line.startsWith(':'));
        const fields: Record<string, string> = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
        if (fields.event) events.push({ id: fields.id ?? '', event: fields.event, data: JSON.parse(fields.data ?? 'null') });
      }
    }
    return res;
  })().catch((error: unknown) => {
    if (abort.signal.aborted) return undefined;
    throw error;
  });
  return { events, done, close: () => abort.abort(), response };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Plays the worker through the real store: starts the run's attempt. */
async function start(client: ApiClient, id: string): Promise<Lease> {
  const run = await api.store.get(client.tenant, id);
  if (!run) throw new Error(`run ${id} not in the store`);
  const started = await api.store.startAttempt(messageForRun(run), 'test-worker');
  if (started.kind !== 'started') throw new Error(`could not start ${id}: ${started.kind}`);
  return started.lease;
}

test('the stream sends status, log and progress events in order as they happen, and ends after the terminal status', async (t) => {
  const client = await api.newTenant();
  const { id } = (await client.submit()).json;
  const stream = openStream(client, id);
  const res = await stream.response;
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  await until(() => stream.events.length === 1, 'the queued status');

  const lease = await start(client, id);
  await api.store.appendEvent(id, 'log', { message: 'hello' });
  await api.store.appendEvent(id, 'progress', { percent: 50 });
  await until(() => stream.events.length === 4, 'running, log and progress');
  await api.store.finishAttempt(lease, { outcome: 'succeeded', result: { ok: true } });
  await stream.done;

  t.deepEqual(
    stream.events.map((e) => [e.event, e.data.status ?? e.data.message ?? e.data.percent]),
    [['status', 'queued'], ['status', 'running'], ['log', 'hello'], ['progress', 50], ['status', 'succeeded']],
  );
  t.deepEqual(stream.events.map((e) => Number(e.id)), [1, 2, 3, 4, 5], 'ids are the events numbers in the run');
});

test('a client that reconnects with Last-Event-ID gets only what it missed', async (t) => {
  const client = await api.newTenant();
  const { id } = (await client.submit()).json;
  const lease = await start(client, id);
  const first = openStream(client, id);
  await until(() => first.events.length === 2, 'queued and running');
  first.close();
  await first.done;

  await api.store.appendEvent(id, 'log', { message: 'while away' });
  await api.store.finishAttempt(lease, { outcome: 'failed', error: { type: 'Boom', message: 'no' }, retryable: false });
  const second = openStream(client, id, first.events.at(-1)?.id);
  await second.done;

  t.deepEqual(second.events.map((e) => e.event), ['log', 'status']);
  t.is(second.events[0]?.data.message, 'while away');
  t.is(second.events[1]?.data.status, 'failed');
  t.is(Number(second.events[0]?.id), Number(first.events.at(-1)?.id) + 1);
});

test('a finished run streams its stored events and ends at once', async (t) => {
  const client = await api.newTenant();
  const { id } = (await client.submit()).json;
  await client.post(`/v1/runs/${id}/cancel`);
  const stream = openStream(client, id);
  await stream.done;
  t.deepEqual(stream.events.map((e) => e.data.status), ['queued', 'cancelled']);
});

test("another tenant's run is 404, and a bad Last-Event-ID is a 400 naming the header", async (t) => {
  const owner = await api.newTenant();
  const stranger = await api.newTenant();
  const { id } = (await owner.submit()).json;
  const peek = await stranger.get(`/v1/runs/${id}/events`);
  t.is(peek.status, 404);
  t.is(peek.json.type.endsWith('not-found'), true);
  const bad = await owner.get(`/v1/runs/${id}/events`, { headers: { 'last-event-id': 'abc' } });
  t.is(bad.status, 400);
  t.regex(bad.text, /Last-Event-ID/);
  t.is((await new ApiClient(api.url, 'nobody', undefined).get(`/v1/runs/${id}/events`)).status, 401);
});

test('an open stream does not hold up the API shutting down: it ends, and the client may resume elsewhere', async (t) => {
  const own = await startApiHarness();
  try {
    const client = await own.newTenant();
    const { id } = (await client.submit()).json;
    const stream = openStream(client, id);
    await until(() => stream.events.length === 1, 'the queued status');
    const closing = own.close();
    await stream.done;
    await closing;
    t.deepEqual(stream.events.map((e) => e.data.status), ['queued'], 'the run is still queued; the stream just ended');
  } finally {
    await own.close().catch(() => undefined);
  }
});
