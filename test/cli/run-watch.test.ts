import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { followRunEvents } from '../../services/cli/run-event-follower.js';
import { parseServerSentEvents } from '../../services/cli/sse-parser.js';
import { runAgentfleet } from '../support/cli.js';
import { startDevPlatform, type DevPlatform } from '../support/dev-platform.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/** `agentfleet submit --wait` and `agentfleet runs watch` against `agentfleet dev` (API + worker) on real Redis. */

const KEY = 'cli-watch-key-0123456789abcdef';
let redis: TestRedis;
let dev: DevPlatform;

test.before(async () => {
  redis = await startRedis();
  dev = await startDevPlatform({ key: KEY, args: ['--slots', '2'], env: { REDIS_URL: redis.url, QUEUE_NAME: `cli-watch-${process.pid}` } });
});

test.after.always(async () => {
  await dev?.stop();
  await redis?.stop();
});

const cli = (args: string[]) => runAgentfleet([...args, '--url', dev.url, '--key', KEY]);

test('submit --wait follows the run to the end: events on stderr, the finished run on stdout, exit 0', async (t) => {
  const result = await cli(['submit', '--agent', 'simulate', '--input', '{"durationMs":800,"output":{"ok":true}}', '--wait']);
  t.is(result.code, 0, result.stderr);
  const run = JSON.parse(result.stdout) as { status: string; result: unknown };
  t.is(run.status, 'succeeded');
  t.deepEqual(run.result, { ok: true });
  const statuses = result.stderr.split('\n').filter((line) => line.startsWith('status ')).map((line) => line.split(' ')[1]);
  t.deepEqual(statuses.at(-1), 'succeeded');
  t.true(statuses.includes('running'), result.stderr);
  t.regex(result.stderr.split('\n')[0] ?? '', /^run \S+ accepted \(Idempotency-Key [0-9a-f-]{36}\); following its events$/, 'the run and its key come first, before any wait');
});

test('submit --wait exits 1 for a run that failed', async (t) => {
  const result = await cli(['submit', '--agent', 'simulate', '--input', '{"durationMs":50,"failRate":1}', '--max-attempts', '1', '--wait']);
  t.is(result.code, 1, result.stderr);
  t.is((JSON.parse(result.stdout) as { status: string }).status, 'failed');
});

test('runs watch prints each status in order, without a TTY as plain lines, and exits 3 for a cancelled run', async (t) => {
  const { json: run } = await dev.request<{ id: string }>('POST', '/v1/runs', { agent: 'simulate', input: { durationMs: 60_000 } });
  const watching = cli(['runs', 'watch', run.id]);
  // Cancel once it runs, so the stream shows queued → running → cancelled.
  for (let i = 0; i < 100; i++) {
    const { json } = await dev.request<{ status: string }>('GET', `/v1/runs/${run.id}`);
    if (json.status === 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await dev.request('POST', `/v1/runs/${run.id}/cancel`);
  const result = await watching;
  t.is(result.code, 3, result.stderr);
  const statuses = result.stdout.split('\n').filter((line) => line.startsWith('status ')).map((line) => line.split(' ')[1]);
  // A cancel request on a running run is a status event of its own (running, cancelRequested).
  t.deepEqual(statuses.filter((status, i) => status !== statuses[i - 1]), ['queued', 'running', 'cancelled']);
  t.regex(result.stdout, /status running attempt=1 cancelRequested/);
  t.false(result.stdout.includes('\u001b['), 'no terminal control codes without a TTY');
});

test('runs watch of an unknown run is a one-line error, exit 1', async (t) => {
  const result = await cli(['runs', 'watch', '01234567-89ab-7cde-8f01-23456789abcd']);
  t.is(result.code, 1);
  t.regex(result.stderr, /404/);
});

test('a dropped event stream is resumed with Last-Event-ID: no event lost or repeated', async (t) => {
  // A stand-in server that drops the first connection after one event: the real API cannot be made
  // to drop a stream on cue. It records the Last-Event-ID of each connection.
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers['last-event-id'] as string | undefined);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (seen.length === 1) {
      res.write('retry: 10\n\nid: 1\nevent: status\ndata: {"status":"queued"}\n\n: keep-alive\n\n');
      setTimeout(() => res.destroy(), 50);
      return;
    }
    res.end('id: 2\nevent: log\ndata: {"message":"hi"}\n\nid: 3\nevent: status\ndata: {"status":"succeeded"}\n\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const ids: string[] = [];
  const status = await followRunEvents({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    key: 'k',
    runId: 'r',
    retryDelayMs: 10,
    onEvent: (event) => ids.push(event.id ?? '?'),
  });
  t.is(status, 'succeeded');
  t.deepEqual(ids, ['1', '2', '3']);
  t.deepEqual(seen, [undefined, '1']);
});

test('the event parser keeps an unfinished event for the next chunk and drops comments', (t) => {
  const first = parseServerSentEvents(': ping\n\nid: 7\nevent: log\ndata: {"a"');
  t.deepEqual(first.events, []);
  const second = parseServerSentEvents(`${first.rest}:1}\r\n\r\n`);
  t.deepEqual(second.events, [{ id: '7', event: 'log', data: '{"a":1}' }]);
  t.is(second.rest, '');
});
