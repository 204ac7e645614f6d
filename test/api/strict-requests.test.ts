import test from 'ava';
import { buildOpenApiDocument } from '../../services/api/openapi.js';
import { startApiHarness, type ApiHarness, type ApiResponse } from './helpers/api-harness.js';

// Issue 13 item 8: what a strict reading of the API found, each answered as problem+json.
let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

function assertProblem(t: import('ava').ExecutionContext, response: ApiResponse, status: number): void {
  t.is(response.status, status, response.text);
  t.regex(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
  t.is(response.json.status, status);
}

const postRaw = (path: string, rawBody: string | Buffer, headers: Record<string, string> = {}) =>
  api.bootstrap.request('POST', path, { rawBody, headers: { 'content-type': 'application/json', ...headers } });

test('an Idempotency-Key sent again with a different body is 422 naming the first run, which is untouched', async (t) => {
  const tenant = await api.newTenant();
  const key = { 'Idempotency-Key': 'strict-422' };
  const first = await tenant.submit({ input: { durationMs: 10 } }, key);
  t.is(first.status, 202);
  const other = await tenant.submit({ input: { durationMs: 11 } }, key);
  assertProblem(t, other, 422);
  t.is(other.json.type, 'urn:agentfleet:problem:idempotency-key-mismatch');
  t.is(other.json.runId, first.json.id);
  t.like((await tenant.get(`/v1/runs/${first.json.id}`)).json, { input: { durationMs: 10 }, status: 'queued' });
  t.is((await tenant.get('/v1/runs')).json.runs.length, 1);
});

test('the same body written differently (key order, spacing, 1.0 for 1) is a replay, not a 422', async (t) => {
  const tenant = await api.newTenant();
  const headers = { 'Idempotency-Key': 'strict-same' };
  const first = await tenant.request('POST', '/v1/runs', { rawBody: '{"agent":"simulate","input":{"durationMs":10,"a":[1,2]}}', headers: { ...headers, 'content-type': 'application/json' } });
  t.is(first.status, 202);
  const again = await tenant.request('POST', '/v1/runs', {
    rawBody: '{ "input" : { "a" : [1.0, 2], "durationMs":1e1 }, "agent" : "simulate" }',
    headers: { ...headers, 'content-type': 'application/json' },
  });
  t.is(again.status, 202, again.text);
  t.is(again.json.id, first.json.id);
  t.is(again.headers.get('idempotent-replayed'), 'true');
});

test('the same key in another tenant is another run, whatever its body', async (t) => {
  const [a, b] = [await api.newTenant(), await api.newTenant()];
  const headers = { 'Idempotency-Key': 'strict-tenants' };
  const first = await a.submit({ input: 1 }, headers);
  const second = await b.submit({ input: 2 }, headers);
  t.is(second.status, 202);
  t.not(second.json.id, first.json.id);
});

test('numbers that JSON.parse turns into Infinity are 400 naming the field, never stored as null', async (t) => {
  const huge = `1${'0'.repeat(200_000)}`;
  for (const [body, field] of [
    ['{"agent":"simulate","input":{"x":1e400}}', 'input.x'],
    ['{"agent":"simulate","input":[0,-1e999]}', 'input.1'],
    [`{"agent":"simulate","input":{"deep":{"n":${huge}}}}`, 'input.deep.n'],
  ] as const) {
    const response = await postRaw('/v1/runs', body);
    assertProblem(t, response, 400);
    t.deepEqual(response.json.errors.map((e: { field: string }) => e.field), [field]);
  }
});

test('integers beyond the safe range are 400 where the schema asks for an integer', async (t) => {
  const response = await postRaw('/v1/runs', '{"agent":"simulate","input":null,"priority":9007199254740993}');
  assertProblem(t, response, 400);
  t.is(response.json.errors[0].field, 'priority');
});

test('a body that is not valid UTF-8 is 415, not stored with replacement characters', async (t) => {
  const body = Buffer.concat([Buffer.from('{"agent":"simulate","input":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
  const response = await postRaw('/v1/runs', body);
  assertProblem(t, response, 415);
  t.regex(response.json.detail, /UTF-8/);
});

test('a body with a Content-Encoding is 415 with Accept-Encoding: identity', async (t) => {
  for (const coding of ['gzip', 'br', 'identity, gzip']) {
    const response = await postRaw('/v1/runs', '{"agent":"simulate","input":null}', { 'content-encoding': coding });
    assertProblem(t, response, 415);
    t.is(response.headers.get('accept-encoding'), 'identity');
  }
});

test('a limit that is not plain decimal digits is 400 naming limit', async (t) => {
  for (const limit of ['0x10', '1e2', '%205', '5%20', '-1', '1.0', '', '+5']) {
    const response = await api.bootstrap.get(`/v1/runs?limit=${limit}`);
    assertProblem(t, response, 400);
    t.is(response.json.errors[0].field, 'limit', limit);
  }
  t.is((await api.bootstrap.get('/v1/runs?limit=5')).status, 200);
});

test('a cursor this API did not issue is 400, even one that decodes to something like a cursor', async (t) => {
  const tenant = await api.newTenant();
  for (let i = 0; i < 3; i++) await tenant.submit();
  const page = await tenant.get('/v1/runs?limit=1');
  const cursor: string = page.json.nextCursor;
  t.is((await tenant.get(`/v1/runs?limit=1&cursor=${cursor}`)).status, 200);

  const lastId = Buffer.from(cursor, 'base64url').toString('utf8').slice(3);
  const forged = [
    Buffer.from('v1:zzz').toString('base64url'),
    Buffer.from(`v1:${lastId.toUpperCase()}`).toString('base64url'),
    Buffer.from(`v2:${lastId}`).toString('base64url'),
    `${cursor}=`,
    `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`,
    `${cursor}A`,
    'garbage!',
  ];
  for (const bad of forged) {
    const response = await tenant.get(`/v1/runs?cursor=${encodeURIComponent(bad)}`);
    assertProblem(t, response, 400);
    t.is(response.json.errors[0].field, 'cursor', bad);
  }
});

test('an over-long run id is 400, and every status the run routes answered here is in the OpenAPI document', async (t) => {
  const long = 'x'.repeat(129);
  const document = buildOpenApiDocument('test') as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
  const cases = [
    ['GET', `/v1/runs/${long}`, '/v1/runs/{id}', 'get'],
    ['POST', `/v1/runs/${long}/cancel`, '/v1/runs/{id}/cancel', 'post'],
    ['GET', `/v1/runs/${long}/events`, '/v1/runs/{id}/events', 'get'],
  ] as const;
  for (const [method, path, documented, operation] of cases) {
    const response = await api.bootstrap.request(method, path);
    assertProblem(t, response, 400);
    t.truthy(document.paths[documented]?.[operation]?.responses['400'], `${documented} documents 400`);
  }
});

test('/v1 answers carry Cache-Control: no-store and nosniff, problems included', async (t) => {
  for (const response of [await api.bootstrap.get('/v1/runs'), await api.bootstrap.get('/v1/runs/nope'), await api.bootstrap.request('GET', '/v1/queue', { headers: { authorization: 'Bearer wrong' } })]) {
    t.is(response.headers.get('cache-control'), 'no-store');
    t.is(response.headers.get('x-content-type-options'), 'nosniff');
  }
  t.not((await api.bootstrap.get('/healthz')).headers.get('cache-control'), 'no-store');
});

test('without CORS_ORIGINS no response carries CORS headers, preflights included', async (t) => {
  const origin = { origin: 'https://evil.example' };
  const plain = await api.bootstrap.request('GET', '/v1/runs', { headers: origin });
  t.is(plain.headers.get('access-control-allow-origin'), null);
  const preflight = await api.bootstrap.request('OPTIONS', '/v1/runs', { headers: { ...origin, 'access-control-request-method': 'POST' } });
  t.is(preflight.headers.get('access-control-allow-origin'), null);
  t.is(preflight.headers.get('access-control-allow-methods'), null);
});

test('with CORS_ORIGINS, only the listed origins get CORS headers and preflights', async (t) => {
  const cors = await startApiHarness({ CORS_ORIGINS: 'https://console.example.com, http://localhost:3000' });
  t.teardown(() => cors.close());
  const listed = { origin: 'https://console.example.com' };
  const preflight = await cors.bootstrap.request('OPTIONS', '/v1/runs', {
    headers: { ...listed, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type, idempotency-key' },
  });
  t.is(preflight.status, 204);
  t.is(preflight.headers.get('access-control-allow-origin'), 'https://console.example.com');
  t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
  const get = await cors.bootstrap.request('GET', '/v1/runs', { headers: listed });
  t.is(get.status, 200);
  t.is(get.headers.get('access-control-allow-origin'), 'https://console.example.com');
  t.regex(get.headers.get('access-control-expose-headers') ?? '', /X-Request-Id/);
  t.regex(get.headers.get('vary') ?? '', /Origin/);

  const other = await cors.bootstrap.request('GET', '/v1/runs', { headers: { origin: 'https://evil.example' } });
  t.is(other.headers.get('access-control-allow-origin'), null);
});
