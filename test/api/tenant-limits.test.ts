import test from 'ava';
import { startApi, type RunningApi } from '../../services/api/server.js';
import { TenantLimits } from '../../services/api/tenant-limits.js';
import { createLogger } from '../../services/core/logger.js';
import { createRedis } from '../../services/core/redis.js';
import { ApiClient, startApiHarness, type ApiHarness } from './helpers/api-harness.js';

// Limits with low numbers, against a real Redis, on two API instances sharing it. TRUSTED_PROXY_HOPS=1
// lets each test speak from an address of its own (X-Forwarded-For), so one test's failed keys never
// block another's requests.

const LIMITS = {
  tenantRequests: { limit: 8, windowSeconds: 60 },
  queuedRunsPerTenant: 3,
  failedAuths: { limit: 3, windowSeconds: 60 },
};

let api: ApiHarness;
let secondApi: RunningApi;

test.before(async () => {
  api = await startApiHarness({ TRUSTED_PROXY_HOPS: '1' }, LIMITS);
  secondApi = await startApi(api.config, createLogger('second-api', 'silent'), LIMITS);
});
test.after.always(async () => {
  await secondApi?.close();
  await api?.close();
});

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

test('a burst over the tenant\'s rate is answered 429 with Retry-After and RateLimit headers, across API processes', async (t) => {
  const tenant = await api.newTenant();
  const other = await api.newTenant();
  const onSecond = new ApiClient(secondApi.url, tenant.tenant, tenant.key);
  const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? tenant : onSecond).get('/v1/runs', from('10.1.0.1'))));
  const statuses = burst.map((response) => response.status).sort();
  t.deepEqual(statuses, [...Array(8).fill(200), 429, 429, 429, 429], 'eight requests per window in all, whichever process answers');

  const allowed = burst.find((response) => response.status === 200)!;
  t.is(allowed.headers.get('ratelimit-policy'), '"tenant";q=8;w=60');
  t.regex(allowed.headers.get('ratelimit') ?? '', /^"tenant";r=[0-7];t=\d+$/);

  const refused = burst.find((response) => response.status === 429)!;
  t.true(refused.headers.get('content-type')?.startsWith('application/problem+json'));
  t.like(refused.json, { status: 429, limit: 'tenant' });
  const retryAfter = Number(refused.headers.get('retry-after'));
  t.true(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  t.regex(refused.headers.get('ratelimit') ?? '', /^"tenant";r=0;t=\d+$/);
  t.is(refused.headers.get('ratelimit-policy'), '"tenant";q=8;w=60');

  t.is((await other.get('/v1/runs', from('10.1.0.1'))).status, 200, 'another tenant has its own budget');
});

test('a tenant with its cap of runs waiting gets 429 on the next submit, and room again once one leaves the queue', async (t) => {
  const tenant = await api.newTenant();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const response = await tenant.submit({}, from('10.2.0.1').headers);
    t.is(response.status, 202);
    ids.push(response.json.id as string);
  }
  const over = await tenant.submit({}, from('10.2.0.1').headers);
  t.is(over.status, 429);
  t.like(over.json, { limit: 'queued-runs' });
  t.regex(over.json.detail as string, /3 runs waiting/);
  t.is(over.headers.get('ratelimit-policy'), '"queued-runs";q=3');
  t.truthy(over.headers.get('retry-after'));

  t.is((await tenant.post(`/v1/runs/${ids[0]}/cancel`, undefined, from('10.2.0.1'))).status, 202);
  t.is((await tenant.submit({}, from('10.2.0.1').headers)).status, 202, 'a cancelled run no longer counts');
});

test('a batch counts whole against the cap of waiting runs: one that would pass it is 429 and queues nothing', async (t) => {
  const tenant = await api.newTenant();
  const run = { agent: 'simulate', input: { durationMs: 200 } };
  t.is((await tenant.post('/v1/runs/batch', { runs: [run, run] }, from('10.3.0.1'))).status, 202);
  const over = await tenant.post('/v1/runs/batch', { runs: [run, run] }, from('10.3.0.1'));
  t.is(over.status, 429);
  t.like(over.json, { limit: 'queued-runs' });
  t.is(((await tenant.get('/v1/runs', from('10.3.0.1'))).json.runs as unknown[]).length, 2, 'the refused batch queued none of its runs');
});

test('repeated bad keys from one address are refused with 429, even a good key, while other addresses go on', async (t) => {
  const intruder = new ApiClient(api.url, 'nobody', 'af_not-a-key-that-exists-anywhere');
  for (let i = 0; i < 3; i++) t.is((await intruder.get('/v1/runs', from('10.3.0.1'))).status, 401, `failure ${i + 1} is a plain 401`);
  const slowed = await intruder.get('/v1/runs', from('10.3.0.1'));
  t.is(slowed.status, 429);
  t.like(slowed.json, { limit: 'failed-auth' });
  t.true(Number(slowed.headers.get('retry-after')) >= 1);
  t.is(slowed.headers.get('ratelimit-policy'), '"failed-auth";q=3;w=60');

  const tenant = await api.newTenant();
  t.is((await tenant.get('/v1/runs', from('10.3.0.1'))).status, 429, 'the address is refused before its keys are checked');
  t.is((await tenant.get('/v1/runs', from('10.3.0.2'))).status, 200, 'another address is not');

  const onSecond = new ApiClient(secondApi.url, 'nobody', intruder.key);
  t.is((await onSecond.get('/v1/runs', from('10.3.0.1'))).status, 429, 'failures are counted in Redis: the second process refuses the address on its first try');
});

test('tenant A can neither read, list, cancel nor stream tenant B\'s runs', async (t) => {
  const a = await api.newTenant();
  const b = await api.newTenant();
  const submitted = await b.submit({}, from('10.4.0.1').headers);
  t.is(submitted.status, 202);
  const id = submitted.json.id as string;

  const read = await a.get(`/v1/runs/${id}`, from('10.4.0.2'));
  t.is(read.status, 404);
  const listed = await a.get('/v1/runs', from('10.4.0.2'));
  t.is(listed.status, 200);
  t.false((listed.json.runs as { id: string }[]).some((run) => run.id === id));
  const cancel = await a.post(`/v1/runs/${id}/cancel`, undefined, from('10.4.0.2'));
  t.is(cancel.status, 404);
  const stream = await a.get(`/v1/runs/${id}/events`, from('10.4.0.2'));
  t.is(stream.status, 404);
  t.true(stream.headers.get('content-type')?.startsWith('application/problem+json'));

  const still = await b.get(`/v1/runs/${id}`, from('10.4.0.1'));
  t.is(still.status, 200);
  t.is(still.json.status, 'queued', 'B\'s run was not cancelled by A');
  t.false(still.json.cancelRequested);
});

test('with Redis unreachable while a limit is checked, the limits fail open to an in-memory limit per process, never 503', async (t) => {
  const logger = createLogger('test', 'silent');
  const down = createRedis('redis://127.0.0.1:1', { name: 'limits-down', failFast: true, logger });
  t.teardown(() => down.disconnect());
  const limits = new TenantLimits(down, { ...LIMITS, tenantRequests: { limit: 2, windowSeconds: 60 } }, async () => 0, Date.now, logger);
  t.like(await limits.admitRequest('acme'), { 'RateLimit-Policy': '"tenant";q=2;w=60' });
  await limits.admitRequest('acme');
  const error = await t.throwsAsync(limits.admitRequest('acme'));
  t.is((error as { status?: number }).status, 429, 'still limited, in this process\'s memory');
});
