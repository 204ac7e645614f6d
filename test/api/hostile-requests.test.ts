import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import fc from 'fast-check';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/ports.js';

/**
 * Issue 13: thousands of generated hostile requests (methods, paths, headers, bodies, encodings,
 * numbers, cursors, idempotency keys) at `agentfleet api` running as its own process on real Redis
 * and real HTTP on 127.0.0.1. No answer is a 5xx, every error is problem+json, the process stays up
 * and logs no error, and every run accepted before and during the barrage is still there after it.
 * 320 rounds of 16 concurrent requests: 5,120 requests, with fast-check shrinking a failing round.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = `hostile_${randomBytes(16).toString('hex')}`;
const ROUNDS = 320;
const PER_ROUND = 16;

let redis: TestRedis;
let child: ChildProcess;
let url: string;
let stdout = '';
const agent = new Agent({ keepAlive: true, maxSockets: PER_ROUND });

test.before(async () => {
  redis = await startRedis();
  child = spawn(process.execPath, ['bin/agentfleet.js', 'api'], {
    cwd: ROOT,
    env: { ...process.env, REDIS_URL: redis.url, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', AGENTFLEET_BOOTSTRAP_KEYS: `hostile:${KEY}`, QUEUE_NAME: `hostile-${process.pid}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`agentfleet api exited with ${child.exitCode}`);
    return /"url":"http:\/\/127\.0\.0\.1:\d+"/.test(stdout);
  }, 'agentfleet api to listen', 60_000);
  url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(stdout)?.[1] ?? '';
});

test.after.always(async () => {
  agent.destroy();
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
  await redis?.stop();
});

interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  type: string;
  body: string;
}

/**
 * The legitimate client sends from another loopback address than the attacker: the API slows down an
 * address that sends many bad keys (failed-auth limit), and a real client does not share the
 * attacker's address.
 */
const LEGITIMATE_ADDRESS = '127.0.0.2';

function send(req: HostileRequest, from?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = { method: req.method, headers: req.headers, agent: from === undefined ? agent : false, timeout: 20_000, ...(from ? { localAddress: from } : {}) };
    const outgoing = request(url + req.path, options, (response) => {
      const type = String(response.headers['content-type'] ?? '');
      // An event stream of a run nobody works on would never end: its head is the answer.
      if (type.startsWith('text/event-stream')) {
        response.destroy();
        resolve({ status: response.statusCode ?? 0, type, body: '' });
        return;
      }
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error('no answer within 20 s')));
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // The API closes the connection after a 413 while the client may still be sending.
      if (error.code === 'ECONNRESET' || error.code === 'EPIPE') resolve({ status: -1, type: '', body: '' });
      else reject(error);
    });
    outgoing.end(req.body);
  });
}

// --- generators -----------------------------------------------------------------------------------

/** Every byte percent-encoded (encodeURIComponent throws on the lone surrogates generated below). */
const percentEncode = (text: string) => [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');

const hostileNumber = fc.constantFrom('1e400', '-1e999', `1${'0'.repeat(400)}`, `9${'9'.repeat(200_000)}`, '9007199254740993', '-0', '1e-400', '0.1e1', '12345678901234567890');
const weirdText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '__proto__', 'constructor', '../../etc/passwd', '%00', '\ud800', 'x'.repeat(600)),
);
const jsonLeaf = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), weirdText);
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, jsonLeaf, fc.array(tie('value'), { maxLength: 4 }), fc.dictionary(weirdText, tie('value'), { maxKeys: 4 })),
})).value;

const runBody = fc.record(
  {
    agent: fc.oneof(fc.constant('simulate'), weirdText, fc.integer()),
    input: fc.oneof(jsonValue, fc.constant({ durationMs: 10 })),
    timeoutSeconds: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.double(), weirdText),
    maxAttempts: fc.oneof(fc.integer({ min: -1, max: 30 }), weirdText),
    priority: fc.integer({ min: -1, max: 101 }),
    metadata: fc.oneof(fc.dictionary(weirdText, weirdText, { maxKeys: 40 }), jsonValue),
  },
  { requiredKeys: [] },
);

/** JSON text, sometimes with a number spliced in that JSON.parse cannot carry, or nested past the limit. */
const jsonBody = fc.oneof(
  runBody.map((body) => JSON.stringify(body)),
  fc.tuple(runBody, hostileNumber).map(([body, n]) => JSON.stringify({ ...body, input: { n: 0 } }).replace('"n":0', `"n":${n}`)),
  hostileNumber.map((n) => `{"agent":"simulate","input":null,"timeoutSeconds":${n}}`),
  fc.constantFrom(1, 64, 65, 120, 50_000).map((depth) => `{"agent":"simulate","input":${'[{"n":1e999},'.repeat(depth)}0${']'.repeat(depth)}}`),
  fc.constantFrom('', '{', 'null', '[]', '"x"', '{"agent":"simulate","input":1,"agent":"x"}', '{"__proto__":{"x":1},"agent":"simulate","input":1}', '\ufeff{"agent":"simulate","input":1}'),
);

const body = fc.oneof(
  { weight: 6, arbitrary: jsonBody.map((text) => Buffer.from(text, 'utf8')) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.concat([Buffer.from('{"agent":"simulate","input":"'), Buffer.from(bytes), Buffer.from('"}')])) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(300 * 1024, 0x20)) },
);

const runId = fc.oneof(fc.uuid(), fc.constantFrom('x'.repeat(129), '%2e%2e', '%00', '%ff%fe', '..', 'a%2Fb', '%E2%82%AC'), fc.string({ maxLength: 20 }).map(percentEncode));
const cursor = fc.oneof(
  fc.uuid().map((id) => Buffer.from(`v1:${id}`).toString('base64url')),
  fc.string({ maxLength: 30 }).map((s) => Buffer.from(`v1:${s}`).toString('base64url')),
  fc.string({ maxLength: 600 }),
);
const queryValue = fc.oneof(fc.constantFrom('0x10', '1e2', ' 5', '5', '200', '201', '-1', '', '1.5', 'NaN', '9'.repeat(30)), fc.string({ maxLength: 10 }));
const query = fc
  .record({ limit: queryValue, cursor, status: fc.oneof(fc.constantFrom('queued', 'running', 'nope'), weirdText), agent: weirdText }, { requiredKeys: [] })
  .map((params) => {
    const text = Object.entries(params).map(([k, v]) => `${k}=${percentEncode(v)}`).join('&');
    return text ? `?${text}` : '';
  });

const path = fc.oneof(
  fc.constant('/v1/runs').chain((base) => query.map((q) => base + q)),
  runId.map((id) => `/v1/runs/${id}`),
  runId.map((id) => `/v1/runs/${id}/cancel`),
  runId.map((id) => `/v1/runs/${id}/events`),
  fc.constantFrom('/v1/queue', '/v1/queue/history', '/v1/fleet', '/healthz', '/readyz', '/openapi.json', '/docs', '/ui', '/ui/../../etc/passwd', '/v1', '/v2/runs', '//v1/runs', '/v1/runs/', '/%zz', '/v1/runs?limit=1&limit=2'),
  fc.webPath().filter((p) => p.startsWith('/')),
);

const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
const headerText = fc.stringMatching(/^[\x20-\x7e]{0,80}$/);
const authorization = fc.oneof(
  { weight: 5, arbitrary: fc.constant(`Bearer ${KEY}`) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Bearer', 'Basic Zm9vOmJhcg==', `bearer   ${KEY}  `, `Bearer ${KEY} extra`, `Bearer ${'k'.repeat(4000)}`) },
  { weight: 1, arbitrary: headerText },
);
const headers = fc
  .record(
    {
      authorization,
      'content-type': fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=latin1', 'text/plain', 'application/merge-patch+json', 'multipart/form-data; boundary=x', 'application/json; charset="utf-16"', ''),
      'content-encoding': fc.constantFrom('gzip', 'br', 'identity', 'x-unknown'),
      'idempotency-key': fc.oneof(headerText, fc.constantFrom('same-key-1', 'same-key-2'), fc.constant('k'.repeat(300))),
      'last-event-id': fc.oneof(fc.constantFrom('0', '1', '999999999999999', '9999999999999999', '-1', '1e3'), headerText),
      'x-request-id': headerText,
      origin: fc.constantFrom('https://evil.example', 'null'),
      accept: fc.constantFrom('text/event-stream', 'application/xml', '*/*'),
    },
    { requiredKeys: ['authorization'] },
  )
  .map((h) => Object.fromEntries(Object.entries(h).filter(([name, value]) => !(name === 'authorization' && value === ''))));

const method = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('GET', 'POST') }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'PROPFIND') }, { weight: 1, arbitrary: token.map((t) => t.toUpperCase()) });

const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .record({ method, path, headers, body: fc.option(body, { freq: 2 }) })
  .map(({ method, path, headers, body }) => (body === null || method === 'GET' || method === 'HEAD' ? { method, path, headers } : { method, path, headers, body }));

/** A request that must be accepted: the runs it creates are checked for after the barrage. */
const validSubmit = fc.integer({ min: 1, max: 50 }).map((n) => ({
  method: 'POST',
  path: '/v1/runs',
  headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
  body: Buffer.from(JSON.stringify({ agent: 'simulate', input: { durationMs: n } })),
}));

// --- the property ---------------------------------------------------------------------------------

function problemsWith(req: HostileRequest, answer: Answer): string | undefined {
  if (answer.status === -1) return undefined;
  if (answer.status >= 500) return `answered ${answer.status}: ${answer.body.slice(0, 300)}`;
  if (answer.status < 400 || req.method === 'HEAD') return undefined;
  if (!answer.type.startsWith('application/problem+json')) return `error ${answer.status} as ${answer.type}`;
  let problem: { status?: unknown; type?: unknown; title?: unknown } | undefined;
  try {
    problem = JSON.parse(answer.body) as typeof problem;
  } catch {
    return `error ${answer.status} body is not JSON: ${answer.body.slice(0, 200)}`;
  }
  if (problem?.status !== answer.status || typeof problem.type !== 'string' || typeof problem.title !== 'string') return `malformed problem ${answer.body.slice(0, 200)}`;
  return undefined;
}

const describe = (req: HostileRequest) => ({ ...req, body: req.body && req.body.length > 500 ? `<${req.body.length} bytes>` : req.body?.toString('utf8') });

test('5,000+ hostile requests: no 5xx, every error problem+json, the API stays up, and no accepted run is lost', async (t) => {
  const accepted = new Set<string>();
  const accept = async (req: HostileRequest) => {
    const answer = await send(req, LEGITIMATE_ADDRESS);
    t.is(answer.status, 202, answer.body);
    accepted.add((JSON.parse(answer.body) as { id: string }).id);
  };
  for (const req of fc.sample(validSubmit, 20)) await accept(req);

  let sent = 0;
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(hostileRequest, { minLength: PER_ROUND, maxLength: PER_ROUND }), validSubmit, async (round, valid) => {
      const [answers] = await Promise.all([Promise.all(round.map((req) => send(req))), accept(valid)]);
      sent += round.length + 1;
      for (const [i, answer] of answers.entries()) {
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        const problem = problemsWith(round[i]!, answer);
        if (problem !== undefined) throw new Error(`${problem}\nrequest: ${JSON.stringify(describe(round[i]!))}`);
      }
    }),
    { numRuns: ROUNDS, seed: 1313, includeErrorInReport: true },
  );
  t.true(sent >= 5_000, `sent ${sent}`);
  t.log(`${sent} requests (${ROUNDS} of them valid submits); answers by status of the hostile ones (-1: connection closed after a 413):`, Object.fromEntries([...statuses].sort(([a], [b]) => a - b)));

  t.is(child.exitCode, null, 'the API process is still running');
  t.is((await send({ method: 'GET', path: '/healthz', headers: {} })).status, 200);
  for (const id of accepted) {
    const answer = await send({ method: 'GET', path: `/v1/runs/${id}`, headers: { authorization: `Bearer ${KEY}` } }, LEGITIMATE_ADDRESS);
    t.is(answer.status, 200, `run ${id} accepted earlier is still there`);
  }
  t.is(accepted.size, 20 + ROUNDS);
  const errorLines = stdout.split('\n').filter((line) => /"level":(50|60)/.test(line));
  t.deepEqual(errorLines, [], 'the API logged no error (a 500 would have been logged with its stack)');
});
