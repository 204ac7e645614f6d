import test from 'ava';
import { parseAgentsFile } from '../../services/core/agents/catalog.js';
import { ValidationError, type FieldError } from '../../services/api/errors.js';
import { resolveRunSpec } from '../../services/api/run-spec.js';
import { LIMITS, createRunRequest, idempotencyKeyHeader, listRunsQuery } from '../../services/api/schemas.js';
import { parseRequest } from '../../services/api/validate.js';

const agents = parseAgentsFile(
  { agents: { summarize: { type: 'command', command: ['node', 'summarize.js'], timeoutSeconds: 120, maxAttempts: 5 } } },
  '/tmp',
);

function fieldErrors(schema: Parameters<typeof parseRequest>[0], value: unknown, whole = 'body'): FieldError[] {
  try {
    parseRequest(schema, value, whole);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.errors];
    throw error;
  }
  throw new Error(`expected a ValidationError for ${JSON.stringify(value)}`);
}

const fields = (errors: FieldError[]) => errors.map((e) => e.field).sort();

test('a minimal valid body parses to exactly what was sent', (t) => {
  const body = { agent: 'simulate', input: { durationMs: 200 } };
  t.deepEqual(parseRequest(createRunRequest, body, 'body'), body);
});

test('input may be any JSON value, null included, but not absent', (t) => {
  for (const input of [null, 0, 'text', [1, 2], { nested: { deep: true } }, false]) {
    t.deepEqual(parseRequest(createRunRequest, { agent: 'simulate', input }, 'body').input, input);
  }
  const [error] = fieldErrors(createRunRequest, { agent: 'simulate' });
  t.is(error?.field, 'input');
  t.regex(error?.message ?? '', /required/);
});

test('a missing agent is named and said to be required', (t) => {
  t.deepEqual(fieldErrors(createRunRequest, { input: {} }), [{ field: 'agent', message: 'is required' }]);
});

test('every wrongly typed field is named, all at once', (t) => {
  const errors = fieldErrors(createRunRequest, {
    agent: 7,
    input: {},
    timeoutSeconds: '60',
    maxAttempts: 1.5,
    priority: true,
    metadata: ['a'],
  });
  t.deepEqual(fields(errors), ['agent', 'maxAttempts', 'metadata', 'priority', 'timeoutSeconds']);
});

test('timeoutSeconds outside 1..12h is refused with the field named', (t) => {
  for (const timeoutSeconds of [0, -5, LIMITS.timeoutSeconds + 1]) {
    t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: null, timeoutSeconds })), ['timeoutSeconds']);
  }
  t.is(parseRequest(createRunRequest, { agent: 'simulate', input: null, timeoutSeconds: LIMITS.timeoutSeconds }, 'body').timeoutSeconds, LIMITS.timeoutSeconds);
});

test('maxAttempts outside 1..20 is refused', (t) => {
  for (const maxAttempts of [0, 21]) {
    t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: null, maxAttempts })), ['maxAttempts']);
  }
});

test('metadata values that are not strings are named by their key', (t) => {
  const errors = fieldErrors(createRunRequest, { agent: 'simulate', input: null, metadata: { team: 'search', cost: 12, ok: 'yes' } });
  t.deepEqual(fields(errors), ['metadata.cost']);
});

test('metadata is bounded in entries, key length and value length', (t) => {
  const tooMany = Object.fromEntries(Array.from({ length: LIMITS.metadataEntries + 1 }, (_, i) => [`k${i}`, 'v']));
  t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: null, metadata: tooMany })), ['metadata']);
  const longKey = { ['k'.repeat(LIMITS.metadataKeyLength + 1)]: 'v' };
  t.true(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: null, metadata: longKey })).every((f) => f.startsWith('metadata')));
  const longValue = { note: 'v'.repeat(LIMITS.metadataValueLength + 1) };
  t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: null, metadata: longValue })), ['metadata.note']);
});

test('a metadata key that could not be kept (__proto__) is refused, not silently dropped', (t) => {
  const body = JSON.parse('{"agent":"simulate","input":null,"metadata":{"__proto__":"x","team":"a"}}') as unknown;
  t.deepEqual(fields(fieldErrors(createRunRequest, body)), ['metadata.__proto__']);
});

test('an unknown field is refused by name, so a typo is not silently ignored', (t) => {
  const errors = fieldErrors(createRunRequest, { agent: 'simulate', input: null, timeout: 30 });
  t.deepEqual(errors, [{ field: 'timeout', message: 'is not a known field' }]);
});

test('a body that is not an object is named as the body', (t) => {
  for (const body of [[], 'text', 42, null]) {
    t.deepEqual(fields(fieldErrors(createRunRequest, body)), ['body']);
  }
});

test('defaults come from the request, then the agent, then the platform', (t) => {
  const own = resolveRunSpec({ agent: 'summarize', input: 1, timeoutSeconds: 30, maxAttempts: 2, priority: 7, metadata: { a: 'b' } }, agents);
  t.like(own, { timeoutSeconds: 30, maxAttempts: 2, priority: 7, metadata: { a: 'b' } });
  const fromAgent = resolveRunSpec({ agent: 'summarize', input: 1 }, agents);
  t.like(fromAgent, { timeoutSeconds: 120, maxAttempts: 5, priority: 0, metadata: {} });
  const platform = resolveRunSpec({ agent: 'simulate', input: 1 }, agents);
  t.like(platform, { timeoutSeconds: 900, maxAttempts: 3 });
});

test('an agent the catalog does not know is a validation error naming agent and listing the known ones', (t) => {
  const error = t.throws(() => resolveRunSpec({ agent: 'nope', input: null }, agents), { instanceOf: ValidationError });
  t.is(error?.errors[0]?.field, 'agent');
  t.regex(error?.errors[0]?.message ?? '', /simulate, summarize/);
});

test('list query: defaults, coercion and bounds', (t) => {
  t.deepEqual(parseRequest(listRunsQuery, {}, 'query'), { limit: LIMITS.listLimitDefault });
  t.deepEqual(parseRequest(listRunsQuery, { limit: '10', status: 'queued', agent: 'simulate' }, 'query'), {
    limit: 10,
    status: 'queued',
    agent: 'simulate',
  });
  t.deepEqual(fields(fieldErrors(listRunsQuery, { status: 'done' }, 'query')), ['status']);
  t.deepEqual(fields(fieldErrors(listRunsQuery, { limit: String(LIMITS.listLimitMax + 1) }, 'query')), ['limit']);
  t.deepEqual(fields(fieldErrors(listRunsQuery, { limit: 'ten' }, 'query')), ['limit']);
  t.deepEqual(fields(fieldErrors(listRunsQuery, { status: ['queued', 'running'] }, 'query')), ['status']);
});

test('Idempotency-Key must be visible ASCII and bounded', (t) => {
  t.is(parseRequest(idempotencyKeyHeader, 'order-42', 'Idempotency-Key'), 'order-42');
  t.deepEqual(fields(fieldErrors(idempotencyKeyHeader, 'a b', 'Idempotency-Key')), ['Idempotency-Key']);
  t.deepEqual(fields(fieldErrors(idempotencyKeyHeader, 'k'.repeat(LIMITS.idempotencyKeyLength + 1), 'Idempotency-Key')), ['Idempotency-Key']);
});

test('input nested deeper than the limit is refused (deep JSON would overflow the stack downstream)', (t) => {
  const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));
  t.deepEqual(parseRequest(createRunRequest, { agent: 'simulate', input: nested(LIMITS.inputDepth) }, 'body').input, nested(LIMITS.inputDepth));
  t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: nested(LIMITS.inputDepth + 1) })), ['input']);
  t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: nested(100_000) })), ['input']);
  t.deepEqual(fields(fieldErrors(createRunRequest, { agent: 'simulate', input: { a: [{ b: nested(LIMITS.inputDepth) }] } })), ['input']);
});
