import test from 'ava';
import { Redis } from 'ioredis';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

/**
 * POST /v1/runs/batch against the real API on a real redis-server (BullMQ queue on the same server).
 * Round trips are counted with MONITOR: every command a client sends shows there once, marked with
 * its source (commands run by a Lua script show as "lua"), so the commands the API's connections
 * sent that touch run records are exactly its round trips for the records.
 */

let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

const item = (durationMs: number, extra: Record<string, unknown> = {}) => ({ agent: 'simulate', input: { durationMs }, ...extra });

interface Monitored {
  args: string[];
  source: string;
}

/** Every command Redis executes while `work` runs (MONITOR), its own and the test's connections left out. */
async function monitor(work: () => Promise<void>): Promise<Monitored[]> {
  const client = new Redis(api.redisServer.url);
  const commands: Monitored[] = [];
  const monitorConnection = await client.monitor();
  monitorConnection.on('monitor', (_time: string, args: string[], source: string) => commands.push({ args, source }));
  try {
    await work();
    // MONITOR output trails the commands a little: a PING through it marks the end.
    await client.ping('monitor-end');
    await new Promise<void>((resolve) => {
      const check = () => (commands.some((command) => command.args.includes('monitor-end')) ? resolve() : setTimeout(check, 20));
      check();
    });
  } finally {
    monitorConnection.disconnect();
    client.disconnect();
  }
  return commands;
}

test.serial('a batch of 100 is recorded in one Redis round trip, and answered in order', async (t) => {
  const tenant = await api.newTenant();
  // The first call of a script loads it (EVALSHA, then EVAL once): not what is measured.
  t.is((await tenant.post('/v1/runs/batch', { runs: [item(1)] })).status, 202);

  const runs = Array.from({ length: 100 }, (_, index) => item(1000 + index));
  let response: Awaited<ReturnType<typeof tenant.post>> | undefined;
  const commands = await monitor(async () => {
    response = await tenant.post('/v1/runs/batch', { runs });
  });
  t.is(response?.status, 202);
  const entries = response?.json.runs as { id: string; input: { durationMs: number }; status: string }[];
  t.deepEqual(
    entries.map((entry) => entry.input.durationMs),
    runs.map((run) => run.input.durationMs),
  );
  t.true(entries.every((entry) => entry.status === 'queued'));
  t.is(new Set(entries.map((entry) => entry.id)).size, 100);

  const fromClients = commands.filter((command) => command.source !== 'lua');
  const recordWrites = fromClients.filter((command) => command.args.some((arg) => arg.startsWith('af:run:')));
  t.is(recordWrites.length, 1, `commands naming run records: ${recordWrites.map((command) => command.args[0]).join(', ')}`);
  t.regex(recordWrites[0]?.args[0] ?? '', /^evalsha$/i);
  t.is(new Set(recordWrites[0]?.args.filter((arg) => arg.startsWith('af:run:'))).size, 100);
  // Each run was written by that one call.
  const hsets = commands.filter((command) => command.source === 'lua' && /^hset$/i.test(command.args[0] ?? '') && command.args[1]?.startsWith('af:run:'));
  t.is(hsets.length, 100);

  for (const entry of [entries[0], entries[99]]) {
    const fetched = await tenant.get(`/v1/runs/${entry?.id}`);
    t.is(fetched.status, 200);
    t.deepEqual(fetched.json, entry);
  }
});

test.serial('a batch queues one message per accepted item, with the run ids in order', async (t) => {
  const tenant = await api.newTenant();
  const response = await tenant.post('/v1/runs/batch', { runs: [item(1), item(2), item(3)] });
  const ids = (response.json.runs as { id: string }[]).map((entry) => entry.id);
  const seen: string[] = [];
  const deadline = Date.now() + 20_000;
  while (ids.some((id) => !seen.includes(id)) && Date.now() < deadline) {
    for (const delivery of await api.queue.receive(10, { waitSeconds: 1 })) {
      await api.queue.ack(delivery);
      seen.push((JSON.parse(delivery.body) as { runId: string }).runId);
    }
  }
  t.deepEqual(
    seen.filter((id) => ids.includes(id)),
    ids,
  );
});

test.serial('good and bad items side by side: each bad item gets its own problem, the good ones are queued', async (t) => {
  const tenant = await api.newTenant();
  const response = await tenant.post('/v1/runs/batch', {
    runs: [item(1), { agent: 'no-such-agent', input: {} }, item(2, { timeoutSeconds: 0 }), 42, item(3, { colour: 'red' }), item(4)],
  });
  t.is(response.status, 202);
  const [first, unknownAgent, badField, notObject, unknownField, last] = response.json.runs;
  t.like(first, { status: 'queued', input: { durationMs: 1 } });
  t.like(last, { status: 'queued', input: { durationMs: 4 } });
  for (const problem of [unknownAgent, badField, notObject, unknownField]) {
    t.is(problem.status, 400);
    t.is(typeof problem.type, 'string');
  }
  t.is(unknownAgent.errors[0].field, 'agent');
  t.is(badField.errors[0].field, 'timeoutSeconds');
  t.is(notObject.errors[0].field, 'item');
  t.is(unknownField.errors[0].field, 'colour');

  const listed = await tenant.get('/v1/runs');
  t.deepEqual((listed.json.runs as { id: string }[]).map((run) => run.id).sort(), [first.id, last.id].sort());
});

test.serial("an item's idempotencyKey replays like the header: across batches, within a batch, and with POST /v1/runs", async (t) => {
  const tenant = await api.newTenant();
  const first = await tenant.post('/v1/runs/batch', { runs: [item(1, { idempotencyKey: 'order-1' }), item(2)] });
  const original = first.json.runs[0];

  const again = await tenant.post('/v1/runs/batch', {
    runs: [item(9, { idempotencyKey: 'order-2' }), item(1, { idempotencyKey: 'order-1' }), item(8, { idempotencyKey: 'order-2' })],
  });
  const [newRun, replay, sameBatchReplay] = again.json.runs;
  t.is(replay.id, original.id);
  t.deepEqual(replay.input, { durationMs: 1 });
  t.not(newRun.id, original.id);
  t.is(sameBatchReplay.id, newRun.id, 'a key seen earlier in the same batch names that run');

  const single = await tenant.submit({ input: { durationMs: 1 } }, { 'Idempotency-Key': 'order-1' });
  t.is(single.json.id, original.id);
  t.is(single.headers.get('idempotent-replayed'), 'true');

  const listed = await tenant.get('/v1/runs');
  t.is(listed.json.runs.length, 3, 'two runs from the first batch, one new from the second');
});

test('more than 100 items, an empty list, or runs that is not an array: 400 naming runs', async (t) => {
  const tenant = await api.newTenant();
  for (const runs of [Array.from({ length: 101 }, () => item(1)), [], 'run everything', { 0: item(1) }]) {
    const response = await tenant.post('/v1/runs/batch', { runs });
    t.is(response.status, 400);
    t.is(response.json.errors[0].field, 'runs');
  }
  const missing = await tenant.post('/v1/runs/batch', {});
  t.is(missing.status, 400);
  t.is(missing.json.errors[0].field, 'runs');
  t.is((await tenant.get('/v1/runs')).json.runs.length, 0);
});

test('the batch route is in /openapi.json with its request and answer', async (t) => {
  const document = (await api.bootstrap.get('/openapi.json')).json;
  const operation = document.paths['/v1/runs/batch'].post;
  t.is(operation.requestBody.content['application/json'].schema.$ref, '#/components/schemas/CreateRunBatchRequest');
  t.is(operation.responses['202'].content['application/json'].schema.$ref, '#/components/schemas/RunBatch');
  t.is(document.components.schemas.CreateRunBatchRequest.properties.runs.maxItems, 100);
  t.truthy(document.components.schemas.BatchRunItem.properties.idempotencyKey);
  t.truthy(document.components.schemas.CreateRunRequest.properties.ttlSeconds);
});
