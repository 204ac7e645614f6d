import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import Koa from 'koa';
import test from 'ava';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { ApiState } from '../../services/api/context.js';
import { createApiMetrics } from '../../services/api/metrics.js';
import { observeRequests } from '../../services/api/observe.js';
import { DependencyUnavailableError } from '../../services/core/errors.js';

/**
 * The observing middleware alone, in a Koa app whose handler fails on demand: what it logs is the
 * behaviour under test, and these failures are the typed errors the real routes raise.
 */
async function startObservedApp(now: () => number, fail: () => never) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'debug' }, sink);
  const app = new Koa<ApiState>();
  app.silent = true;
  app.use(observeRequests(logger, createApiMetrics(new Registry()), now));
  app.use(() => fail());
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, lines, close: () => new Promise((resolve) => server.close(resolve)) };
}

test('an outage is warned about once per interval with the number of failed requests, not once per request', async (t) => {
  let now = 0;
  const app = await startObservedApp(
    () => now,
    () => {
      throw new DependencyUnavailableError('redis', 'redis unavailable: connect ECONNREFUSED');
    },
  );
  t.teardown(app.close);
  for (let i = 0; i < 20; i++) t.is((await fetch(app.url)).status, 503);
  const warnings = () => app.lines.filter((line) => line.level === 40);
  t.is(warnings().length, 1);
  t.like(warnings()[0], { dependency: 'redis', failedRequests: 1 });

  now += 10_000;
  await fetch(app.url);
  t.is(warnings().length, 2);
  t.like(warnings()[1], { dependency: 'redis', failedRequests: 20 });
});

test('a bug is logged as an error with its stack and the request id the client was given', async (t) => {
  const app = await startObservedApp(
    () => 0,
    () => {
      throw new TypeError('boom in handler');
    },
  );
  t.teardown(app.close);
  const response = await fetch(app.url, { headers: { 'x-request-id': 'trace-me-1' } });
  t.is(response.status, 500);
  t.notRegex(await response.text(), /boom/);
  const errors = app.lines.filter((line) => line.level === 50);
  t.is(errors.length, 1);
  t.is(errors[0]?.requestId, 'trace-me-1');
  t.regex(JSON.stringify(errors[0]?.err), /boom in handler/);
});

test('every request gets one debug line with its route, status and duration', async (t) => {
  const app = await startObservedApp(
    () => 0,
    () => {
      throw new DependencyUnavailableError('queue', 'down');
    },
  );
  t.teardown(app.close);
  await fetch(`${app.url}/anything`);
  const requests = app.lines.filter((line) => line.msg === 'request');
  t.is(requests.length, 1);
  t.like(requests[0], { level: 20, method: 'GET', path: '/anything', route: 'unmatched', status: 503 });
  t.is(typeof requests[0]?.ms, 'number');
});
