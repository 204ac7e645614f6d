import test from 'ava';
import { LIMITS } from '../../services/api/schemas.js';
import { receiveMessageFor, startApiHarness, type ApiHarness } from './helpers/api-harness.js';

/** ttlSeconds, delaySeconds and priority through POST /v1/runs: validated, kept with the run, carried to the queue. */

let api: ApiHarness;
test.before(async () => {
  api = await startApiHarness();
});
test.after.always(async () => {
  await api?.close();
});

test.serial('a run with delaySeconds is queued delayed, and the run and its message carry its ttl and delay', async (t) => {
  const before = await api.queue.depth();
  const response = await api.bootstrap.submit({ ttlSeconds: 600, delaySeconds: 2, priority: 7 });
  t.is(response.status, 202);
  t.like(response.json, { status: 'queued', ttlSeconds: 600, delaySeconds: 2, priority: 7 });
  const after = await api.queue.depth();
  t.is(after.delayed, before.delayed + 1);
  const message = await receiveMessageFor(api.queue, response.json.id);
  t.like(message, { ttlSeconds: 600, delaySeconds: 2, priority: 7 });
});

test.serial('a run without them waits for ever and at once: ttlSeconds null, delaySeconds 0', async (t) => {
  const response = await api.bootstrap.submit();
  t.like(response.json, { ttlSeconds: null, delaySeconds: 0 });
  const message = await receiveMessageFor(api.queue, response.json.id);
  t.false('ttlSeconds' in message);
  t.false('delaySeconds' in message);
});

test('ttlSeconds and delaySeconds out of range are 400 naming the field', async (t) => {
  for (const [field, value] of [
    ['ttlSeconds', 0],
    ['ttlSeconds', LIMITS.ttlSeconds + 1],
    ['delaySeconds', -1],
    ['delaySeconds', 1.5],
    ['delaySeconds', LIMITS.delaySeconds + 1],
  ] as const) {
    const response = await api.bootstrap.submit({ [field]: value });
    t.is(response.status, 400, `${field}: ${value}`);
    t.is(response.json.errors[0].field, field);
  }
});
