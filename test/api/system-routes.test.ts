import { Validator } from '@seriousme/openapi-schema-validator';
import test from 'ava';
import { LIMITS } from '../../services/api/schemas.js';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

let api: ApiHarness;

/** True when a sample of `name` carrying all of `labels` (in any order) has a value of at least 1. */
function sampleAtLeastOne(exposition: string, name: string, labels: Record<string, string>): boolean {
  return exposition.split('\n').some((line) => {
    const match = /^([a-z_]+)\{(.*)\} (\S+)$/.exec(line);
    if (!match || match[1] !== name || Number(match[3]) < 1) return false;
    const present = new Set(match[2]!.split(',').map((pair) => pair.trim()));
    return Object.entries(labels).every(([label, value]) => present.has(`${label}="${value}"`));
  });
}

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

test('/healthz answers without a key', async (t) => {
  const response = await fetch(`${api.url}/healthz`);
  t.is(response.status, 200);
  t.deepEqual(await response.json(), { status: 'ok' });
});

// Serial (AVA runs serial tests first, alone): the API shares this process with the other tests, and
// the OpenAPI validation below can hold the event loop past the probe's 1 s limit.
test.serial('/readyz is 200 naming Redis and the queue as ok', async (t) => {
  const response = await fetch(`${api.url}/readyz`);
  t.is(response.status, 200);
  t.deepEqual(await response.json(), { redis: 'ok', queue: 'ok' });
});

test('/openapi.json is a valid OpenAPI 3.1 document', async (t) => {
  const response = await fetch(`${api.url}/openapi.json`);
  t.is(response.status, 200);
  const document = (await response.json()) as Record<string, unknown>;
  const validator = new Validator();
  const result = await validator.validate(document);
  t.true(result.valid, JSON.stringify(result.errors));
  t.is(validator.version, '3.1');
});

test('/openapi.json documents the run request from the schema that validates it', async (t) => {
  const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as any;
  const post = document.paths['/v1/runs'].post;
  t.deepEqual(post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/CreateRunRequest' });
  const request = document.components.schemas.CreateRunRequest;
  t.deepEqual(request.required, ['agent', 'input']);
  t.deepEqual(Object.keys(request.properties).sort(), ['agent', 'delaySeconds', 'input', 'maxAttempts', 'metadata', 'priority', 'timeoutSeconds', 'ttlSeconds']);
  t.is(request.properties.timeoutSeconds.maximum, LIMITS.timeoutSeconds);
  t.is(request.properties.metadata.maxProperties, LIMITS.metadataEntries);
  t.false(request.additionalProperties);
  for (const id of ['Run', 'RunList', 'QueueStats', 'Fleet', 'Problem']) t.truthy(document.components.schemas[id], id);
  t.deepEqual(
    document.paths['/v1/runs'].get.parameters.map((p: { name: string }) => p.name).sort(),
    ['agent', 'cursor', 'limit', 'status'],
  );
});

test('/metrics exposes request and run counters, and process metrics', async (t) => {
  t.is((await api.bootstrap.submit()).status, 202);
  t.is((await api.bootstrap.get('/v1/runs/does-not-exist')).status, 404);
  const response = await fetch(`${api.url}/metrics`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  t.true(sampleAtLeastOne(text, 'agentfleet_runs_created_total', { agent: 'simulate', service: 'api' }));
  t.true(sampleAtLeastOne(text, 'agentfleet_http_requests_total', { method: 'POST', route: '/v1/runs', status: '202' }));
  t.true(sampleAtLeastOne(text, 'agentfleet_http_requests_total', { method: 'GET', route: '/v1/runs/:id', status: '404' }));
  t.true(sampleAtLeastOne(text, 'agentfleet_http_request_duration_seconds_count', { method: 'POST', route: '/v1/runs' }));
  t.regex(text, /process_cpu_seconds_total/);
});

test('unmatched paths share one metrics label, so scanners cannot explode the series', async (t) => {
  await fetch(`${api.url}/random/${Date.now()}`);
  const text = await (await fetch(`${api.url}/metrics`)).text();
  t.regex(text, /route="unmatched"/);
  t.notRegex(text, /route="\/random/);
});

test('a sane X-Request-Id is echoed; otherwise one is made and also put in problems', async (t) => {
  const echoed = await fetch(`${api.url}/healthz`, { headers: { 'x-request-id': 'client-req-123' } });
  t.is(echoed.headers.get('x-request-id'), 'client-req-123');
  const replaced = await fetch(`${api.url}/v1/runs`, { headers: { 'x-request-id': 'bad id with spaces' } });
  const id = replaced.headers.get('x-request-id') ?? '';
  t.regex(id, /^[0-9a-f-]{36}$/);
  t.is(((await replaced.json()) as { requestId: string }).requestId, id);
});
