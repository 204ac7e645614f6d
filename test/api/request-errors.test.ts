import test from 'ava';
import { startApiHarness, type ApiClient, type ApiHarness, type ApiResponse } from './helpers/api-harness.js';

let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

function assertProblem(t: { is: (a: unknown, b: unknown, m?: string) => void; regex: (s: string, r: RegExp) => void }, response: ApiResponse, status: number) {
  t.is(response.status, status);
  t.regex(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.is(response.json.status, status);
  t.regex(response.json.type, /^urn:agentfleet:problem:/);
  t.is(typeof response.json.detail, 'string');
}

const fieldsOf = (response: ApiResponse): string[] => (response.json.errors as { field: string }[]).map((e) => e.field).sort();

/** Nothing a refused request sent may have been kept. */
async function assertNoRuns(t: { deepEqual: (a: unknown, b: unknown, m?: string) => void }, client: ApiClient) {
  const listing = await client.get('/v1/runs');
  t.deepEqual(listing.json.runs, [], 'a refused request leaves no run behind');
}

const invalidBodies: [string, unknown, string[]][] = [
  ['missing agent', { input: {} }, ['agent']],
  ['unknown agent', { agent: 'no-such-agent', input: {} }, ['agent']],
  ['missing input', { agent: 'simulate' }, ['input']],
  ['agent not a string', { agent: 12, input: {} }, ['agent']],
  ['timeoutSeconds a string', { agent: 'simulate', input: {}, timeoutSeconds: '60' }, ['timeoutSeconds']],
  ['timeoutSeconds zero', { agent: 'simulate', input: {}, timeoutSeconds: 0 }, ['timeoutSeconds']],
  ['timeoutSeconds over 12 hours', { agent: 'simulate', input: {}, timeoutSeconds: 43_201 }, ['timeoutSeconds']],
  ['maxAttempts fractional', { agent: 'simulate', input: {}, maxAttempts: 2.5 }, ['maxAttempts']],
  ['metadata value not a string', { agent: 'simulate', input: {}, metadata: { team: 7 } }, ['metadata.team']],
  ['metadata not an object', { agent: 'simulate', input: {}, metadata: 'team' }, ['metadata']],
  ['unknown field', { agent: 'simulate', input: {}, timeout: 5 }, ['timeout']],
  ['several at once', { agent: false, input: {}, priority: -1, maxAttempts: 0 }, ['agent', 'maxAttempts', 'priority']],
  ['body is an array', [{ agent: 'simulate', input: {} }], ['body']],
];

for (const [name, body, fields] of invalidBodies) {
  test(`invalid body (${name}) is 400 problem+json naming ${fields.join(', ')}`, async (t) => {
    const client = await api.newTenant();
    const response = await client.post('/v1/runs', body);
    assertProblem(t, response, 400);
    t.deepEqual(fieldsOf(response), fields);
    await assertNoRuns(t, client);
  });
}

test('deeply nested input is 400 naming input, not a 500 from a stack overflow', async (t) => {
  const client = await api.newTenant();
  const deep = '['.repeat(50_000) + ']'.repeat(50_000);
  const response = await client.request('POST', '/v1/runs', {
    rawBody: `{"agent":"simulate","input":${deep}}`,
    headers: { 'content-type': 'application/json' },
  });
  assertProblem(t, response, 400);
  t.deepEqual(fieldsOf(response), ['input']);
  await assertNoRuns(t, client);
});

test('a body over 256 KiB is 413', async (t) => {
  const client = await api.newTenant();
  const response = await client.post('/v1/runs', { agent: 'simulate', input: { blob: 'x'.repeat(300 * 1024) } });
  assertProblem(t, response, 413);
  await assertNoRuns(t, client);
});

test('a body over 256 KiB sent without Content-Length (chunked) is 413 too', async (t) => {
  const client = await api.newTenant();
  const payload = JSON.stringify({ agent: 'simulate', input: { blob: 'x'.repeat(300 * 1024) } });
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = new TextEncoder().encode(payload);
      for (let i = 0; i < bytes.length; i += 16 * 1024) controller.enqueue(bytes.subarray(i, i + 16 * 1024));
      controller.close();
    },
  });
  const response = await fetch(`${api.url}/v1/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${client.key}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  t.is(response.status, 413);
  await response.text();
  await assertNoRuns(t, client);
});

test('a text/plain body is 415', async (t) => {
  const client = await api.newTenant();
  const response = await client.request('POST', '/v1/runs', {
    rawBody: JSON.stringify({ agent: 'simulate', input: {} }),
    headers: { 'content-type': 'text/plain' },
  });
  assertProblem(t, response, 415);
  await assertNoRuns(t, client);
});

test('JSON in a charset other than UTF-8 is 415', async (t) => {
  const client = await api.newTenant();
  const response = await client.request('POST', '/v1/runs', {
    rawBody: JSON.stringify({ agent: 'simulate', input: {} }),
    headers: { 'content-type': 'application/json; charset=latin1' },
  });
  assertProblem(t, response, 415);
});

test('JSON is accepted under any spelling of its media type: case, charset utf-8 or utf8, +json types', async (t) => {
  const client = await api.newTenant();
  for (const contentType of ['application/json', 'Application/JSON', 'application/json; charset=utf-8', 'application/json;charset=UTF8', 'application/merge+json']) {
    const response = await client.request('POST', '/v1/runs', {
      rawBody: JSON.stringify({ agent: 'simulate', input: { contentType } }),
      headers: { 'content-type': contentType },
    });
    t.is(response.status, 202, contentType);
    t.deepEqual(response.json.input, { contentType });
  }
});

test('a POST that declares JSON but sends no body is 400 naming the body', async (t) => {
  const client = await api.newTenant();
  const response = await client.request('POST', '/v1/runs', { rawBody: '', headers: { 'content-type': 'application/json' } });
  assertProblem(t, response, 400);
  t.deepEqual(fieldsOf(response), ['body']);
  await assertNoRuns(t, client);
});

test('broken JSON is 400', async (t) => {
  const client = await api.newTenant();
  const response = await client.request('POST', '/v1/runs', { rawBody: '{"agent": "simulate", "input": ', headers: { 'content-type': 'application/json' } });
  assertProblem(t, response, 400);
  t.regex(response.json.type, /malformed-json$/);
  await assertNoRuns(t, client);
});

test('a POST without a body is 400 naming the body', async (t) => {
  const client = await api.newTenant();
  const response = await client.request('POST', '/v1/runs');
  assertProblem(t, response, 400);
  t.deepEqual(fieldsOf(response), ['body']);
});

test('an over-long Idempotency-Key is 400 naming the header', async (t) => {
  const client = await api.newTenant();
  const response = await client.submit({}, { 'Idempotency-Key': 'k'.repeat(256) });
  assertProblem(t, response, 400);
  t.deepEqual(fieldsOf(response), ['Idempotency-Key']);
  await assertNoRuns(t, client);
});

test('without a key every /v1 route is 401 with a Bearer challenge', async (t) => {
  for (const [method, path] of [
    ['POST', '/v1/runs'],
    ['GET', '/v1/runs'],
    ['GET', '/v1/runs/some-id'],
    ['POST', '/v1/runs/some-id/cancel'],
    ['GET', '/v1/queue'],
    ['GET', '/v1/fleet'],
  ] as const) {
    const response = await fetch(api.url + path, { method });
    t.is(response.status, 401, `${method} ${path}`);
    t.is(response.headers.get('www-authenticate'), 'Bearer realm="agentfleet"');
    t.regex(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  }
});

test('a wrong key, or a malformed Authorization header, is 401 invalid_token', async (t) => {
  for (const authorization of ['Bearer not-a-real-key-000000', 'Basic dXNlcjpwYXNz', 'Bearer']) {
    const response = await fetch(`${api.url}/v1/runs`, { headers: { authorization } });
    t.is(response.status, 401, authorization);
    t.regex(response.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  }
});

test('an unknown route is a 404 problem, a wrong method a 405 problem with Allow', async (t) => {
  const missing = await api.bootstrap.get('/v2/nothing');
  assertProblem(t, missing, 404);
  const wrongMethod = await api.bootstrap.request('DELETE', '/v1/runs');
  assertProblem(t, wrongMethod, 405);
  t.regex(wrongMethod.headers.get('allow') ?? '', /GET/);
  t.regex(wrongMethod.headers.get('allow') ?? '', /POST/);
});
