import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { REQUEST_TIMEOUT_SECONDS } from '../../services/cli/api-client.js';
import { MAX_RETRY_WAIT_SECONDS, SUBMIT_ATTEMPTS, retryWaitSeconds } from '../../services/cli/retry-after.js';
import { runAgentfleet } from '../support/cli.js';

/**
 * `agentfleet submit` always sends an Idempotency-Key, retries a 502/503/504 or a lost answer with
 * that same key, and names the key whenever it fails. The API's side (a 503 that says whether the run
 * may have been recorded, and a same-key retry that yields one run) is tested against the real API in
 * test/api/submit-unavailable.test.ts. Here the CLI runs as a process against a local stand-in of
 * POST /v1/runs that fails first (the API's 503, a proxy's HTML 503, a connection reset): a real API
 * cannot be made to fail exactly the first requests and recover at a known moment without racing the
 * CLI's waits. The CLI runs with its production waits (1, 2, 4, ... s; the tests that exhaust the
 * retries take their full minute), pinned also by the pure tests below.
 */

const KEY = 'cli-submit-key-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const unavailable = {
  type: 'urn:agentfleet:problem:dependency-unavailable',
  title: 'Service temporarily unavailable',
  status: 503,
  detail: 'queue is unavailable; this request recorded no run. Retry later with the same Idempotency-Key (a run an earlier request with that key created stands, and the retry returns it).',
  dependency: 'queue',
  mayHaveBeenRecorded: false,
};

const keyReused = {
  type: 'urn:agentfleet:problem:idempotency-key-mismatch',
  title: 'Idempotency-Key reused with a different body',
  status: 422,
  detail: 'this Idempotency-Key was first sent with a different body (it created run run-0); use a new key for a new request',
};

interface StandIn {
  url: string;
  /** Idempotency-Key of each POST /v1/runs, in order ('' when none was sent). */
  keys: string[];
}

/**
 * How a failed request fails: the API's JSON 503, a load balancer's HTML 503, or the connection
 * reset after the request was read (the API may have recorded the run).
 */
type Failure = 'api-503' | 'html-503' | 'reset' | 'hang' | 'api-422';

/** Answers POST /v1/runs with `failure` `failures` times, then 202 with a queued run. */
async function standIn(t: ExecutionContext, failures: number, failure: Failure = 'api-503'): Promise<StandIn> {
  const keys: string[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/v1/runs' || request.headers.authorization !== `Bearer ${KEY}`) {
        response.writeHead(404).end();
        return;
      }
      keys.push(String(request.headers['idempotency-key'] ?? ''));
      if (keys.length <= failures && failure === 'reset') {
        request.socket.destroy();
        return;
      }
      if (keys.length <= failures && failure === 'hang') {
        t.teardown(() => request.socket.destroy());
        return;
      }
      if (keys.length <= failures && failure === 'api-422') {
        response.writeHead(422, { 'content-type': 'application/problem+json' }).end(JSON.stringify(keyReused));
        return;
      }
      if (keys.length <= failures && failure === 'html-503') {
        response.writeHead(503, { 'content-type': 'text/html', 'retry-after': '0' }).end('<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>');
        return;
      }
      if (keys.length <= failures) {
        response.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '0' }).end(JSON.stringify(unavailable));
        return;
      }
      response.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'run-1', agent: 'simulate', status: 'queued' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, keys };
}

const submit = (api: StandIn, extra: string[] = []) => runAgentfleet(['submit', '--agent', 'simulate', '--input', '{"durationMs":5}', '--url', api.url, '--key', KEY, ...extra]);

test('submit sends a fresh random Idempotency-Key when none is given', async (t) => {
  const first = await standIn(t, 0);
  const second = await standIn(t, 0);
  t.is((await submit(first)).code, 0);
  t.is((await submit(second)).code, 0);
  t.regex(first.keys[0] ?? '', UUID);
  t.regex(second.keys[0] ?? '', UUID);
  t.not(first.keys[0], second.keys[0]);
});

test('submit retries 503s with the same key and prints the run it finally gets', async (t) => {
  const api = await standIn(t, 2);
  const result = await submit(api);
  t.is(result.code, 0, result.stderr);
  t.is((JSON.parse(result.stdout) as { id: string }).id, 'run-1');
  t.is(api.keys.length, 3);
  t.is(new Set(api.keys).size, 1, 'every attempt carries the same key');
  t.regex(result.stderr, new RegExp(`retrying in 1 s with Idempotency-Key ${api.keys[0]} \\(attempt 2 of ${SUBMIT_ATTEMPTS}\\)`));
  t.regex(result.stderr, new RegExp(`retrying in 2 s with Idempotency-Key ${api.keys[0]} \\(attempt 3 of ${SUBMIT_ATTEMPTS}\\)`), 'the waits double');
});

test('submit --idempotency-key sends and retries with the given key', async (t) => {
  const api = await standIn(t, 1);
  const result = await submit(api, ['--idempotency-key', 'order-4711']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(api.keys, ['order-4711', 'order-4711']);
});

test('submit gives up after a bounded number of 503s, exit 1, naming the key to retry with', async (t) => {
  const api = await standIn(t, Number.POSITIVE_INFINITY);
  const result = await submit(api);
  t.is(result.code, 1);
  t.is(api.keys.length, SUBMIT_ATTEMPTS);
  t.is(new Set(api.keys).size, 1);
  t.regex(result.stderr, new RegExp(`gave up after ${SUBMIT_ATTEMPTS} attempts.*--idempotency-key ${api.keys[0]}`));
  t.regex(result.stderr, /this request recorded no run/, 'the API\'s own words reach the user');
});

test("a load balancer's HTML 503 is retried with the same key, not taken for a broken answer", async (t) => {
  const api = await standIn(t, 2, 'html-503');
  const result = await submit(api);
  t.is(result.code, 0, result.stderr);
  t.is((JSON.parse(result.stdout) as { id: string }).id, 'run-1');
  t.is(api.keys.length, 3);
  t.is(new Set(api.keys).size, 1, 'every attempt carries the same key');
  t.regex(result.stderr, /503 Service Unavailable\nretrying in 1 s/);
});

test('a connection reset after the request went out is retried with the same key', async (t) => {
  // No Retry-After without an answer: each retry waits the default 1 s.
  const api = await standIn(t, 1, 'reset');
  const result = await submit(api);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(api.keys, [api.keys[0], api.keys[0]]);
  t.regex(result.stderr, new RegExp(`cannot reach ${api.url}.*\nretrying in 1 s with Idempotency-Key ${api.keys[0]}`));
});

test('an API that never answers: bounded retries, exit 1, naming the key to retry with', async (t) => {
  const api = await standIn(t, Number.POSITIVE_INFINITY, 'reset');
  const result = await submit(api, ['--idempotency-key', 'order-4712']);
  t.is(result.code, 1);
  t.deepEqual(api.keys, Array.from({ length: SUBMIT_ATTEMPTS }, () => 'order-4712'));
  t.regex(result.stderr, new RegExp(`gave up after ${SUBMIT_ATTEMPTS} attempts.*--idempotency-key order-4712`));
});

test('a refusal (4xx) is not retried and says this request created no run', async (t) => {
  const api = await standIn(t, 0);
  const result = await runAgentfleet(['submit', '--agent', 'simulate', '--input', '{}', '--url', api.url, '--key', 'wrong', '--idempotency-key', 'order-4713']);
  t.is(result.code, 1);
  t.regex(result.stderr, /404 Not Found; this request created no run\n/);
});

test('a key reused with another body (422) is not retried, nor is the user told to submit with that key again', async (t) => {
  const api = await standIn(t, 1, 'api-422');
  const result = await submit(api, ['--idempotency-key', 'order-4714']);
  t.is(result.code, 1);
  t.deepEqual(api.keys, ['order-4714']);
  t.regex(result.stderr, /422 Idempotency-Key reused with a different body: .*use a new key for a new request; this request created no run/);
  t.notRegex(result.stderr, /--idempotency-key/);
});

test('a request that hangs is given up after 30 s and retried with the same key', async (t) => {
  const api = await standIn(t, 1, 'hang');
  const result = await submit(api, ['--idempotency-key', 'order-4715']);
  t.is(result.code, 0, result.stderr);
  t.deepEqual(api.keys, ['order-4715', 'order-4715']);
  t.regex(result.stderr, new RegExp(`cannot reach ${api.url}: no answer within ${REQUEST_TIMEOUT_SECONDS} s\nretrying in 1 s`));
});

test('an empty --idempotency-key is refused before anything is sent, naming the flag', async (t) => {
  const api = await standIn(t, 0);
  const result = await submit(api, ['--idempotency-key', '']);
  t.is(result.code, 2, 'a usage error');
  t.regex(result.stderr, /--idempotency-key: .*got ""/);
  t.deepEqual(api.keys, [], 'nothing sent');
});

test('the waits double from 1 s, never shorter than Retry-After (seconds or an HTTP date), never longer than the cap', (t) => {
  const now = Date.parse('2026-12-04T05:00:00Z');
  const waits = Array.from({ length: SUBMIT_ATTEMPTS - 1 }, (_, i) => retryWaitSeconds(i + 1, null, now) ?? 0);
  t.deepEqual(waits, [1, 2, 4, 8, 16, MAX_RETRY_WAIT_SECONDS]);
  t.is(
    waits.reduce((sum, wait) => sum + wait, 0),
    61,
    'the retries span about a minute',
  );
  t.is(retryWaitSeconds(1, '3', now), 3);
  t.is(retryWaitSeconds(3, '1', now), 4, 'Retry-After is a floor, not a replacement for the backoff');
  t.is(retryWaitSeconds(1, 'Fri, 04 Dec 2026 05:00:07 GMT', now), 7);
  t.is(retryWaitSeconds(1, 'Fri, 04 Dec 2026 04:59:00 GMT', now), 1, 'a date already past: the backoff');
  t.is(retryWaitSeconds(1, '3600', now), MAX_RETRY_WAIT_SECONDS);
  for (const junk of ['soon', '1.5', '-1', '10, 20', '2027-01-01']) t.is(retryWaitSeconds(1, junk, now), 1, `"${junk}" is no Retry-After`);
  t.is(retryWaitSeconds(SUBMIT_ATTEMPTS, '1', now), undefined, 'no attempt left');
});
