import test from 'ava';
import { DependencyUnavailableError } from '../../services/core/errors.js';
import { MessageRejectedError, MessageTooLargeError, QueueUnavailableError } from '../../services/core/queue/errors.js';
import { InvalidCursorError } from '../../services/core/run/errors.js';
import { NotFoundError, UnauthorizedError, ValidationError } from '../../services/api/errors.js';
import { problemForError, problemForStatus } from '../../services/api/problem.js';

test('a validation error keeps 400 and lists each field', (t) => {
  const { problem, expected } = problemForError(new ValidationError([{ field: 'agent', message: 'is required' }]), 'req-1');
  t.true(expected);
  t.like(problem, { status: 400, title: 'Invalid request', requestId: 'req-1' });
  t.deepEqual(problem.errors, [{ field: 'agent', message: 'is required' }]);
  t.regex(problem.type, /validation$/);
  t.regex(problem.detail, /agent: is required/);
});

test('401 carries a Bearer challenge, with invalid_token only when a key was sent', (t) => {
  const missing = problemForError(new UnauthorizedError('send a key', 'missing'), 'r');
  t.is(missing.problem.status, 401);
  t.is(missing.headers['WWW-Authenticate'], 'Bearer realm="agentfleet"');
  const invalid = problemForError(new UnauthorizedError('bad key', 'invalid'), 'r');
  t.regex(invalid.headers['WWW-Authenticate'] ?? '', /^Bearer .*error="invalid_token"/);
});

test('a dependency outage is 503 with Retry-After and names the dependency, never 500', (t) => {
  for (const error of [
    new DependencyUnavailableError('redis', 'redis unavailable: connect ECONNREFUSED', { retryAfterSeconds: 3 }),
    new QueueUnavailableError('sqs did not answer'),
  ]) {
    const { problem, headers, expected } = problemForError(error, 'r');
    t.true(expected);
    t.is(problem.status, 503);
    t.is(problem.dependency, error.dependency);
    t.is(headers['Retry-After'], String(error.retryAfterSeconds));
    t.notRegex(problem.detail, /ECONNREFUSED/, 'internals stay in the logs');
  }
});

test("the store's invalid cursor is a 400 naming cursor", (t) => {
  const { problem } = problemForError(new InvalidCursorError('not issued by this store'), 'r');
  t.is(problem.status, 400);
  t.deepEqual((problem.errors ?? []).map((e) => e.field), ['cursor']);
});

test("a run whose queue message would be over the queue's limit is 413", (t) => {
  const { problem } = problemForError(new MessageTooLargeError(300_000, 262_144), 'r');
  t.is(problem.status, 413);
  t.regex(problem.detail, /300000 bytes/);
});

test('a message the queue refuses for its content is a 400 naming input, not an outage', (t) => {
  const { problem } = problemForError(new MessageRejectedError('invalid characters in the body', [0]), 'r');
  t.is(problem.status, 400);
  t.deepEqual((problem.errors ?? []).map((e) => e.field), ['input']);
});

test('a bug is 500 without its message or stack, but with the request id to quote', (t) => {
  const { problem, expected } = problemForError(new TypeError('cannot read properties of undefined (reading "secret")'), 'req-9');
  t.false(expected);
  t.is(problem.status, 500);
  t.notRegex(JSON.stringify(problem), /secret|TypeError/);
  t.regex(problem.detail, /req-9/);
});

test('client errors thrown by Koa keep their status; server ones do not leak', (t) => {
  const clientError = Object.assign(new Error('Bad Request'), { status: 400, expose: true });
  t.is(problemForError(clientError, 'r').problem.status, 400);
  const serverError = Object.assign(new Error('db password wrong'), { status: 502, expose: false });
  t.is(problemForError(serverError, 'r').problem.status, 500);
});

test('problem types are distinct per kind so clients can branch on them', (t) => {
  const types = new Set([
    problemForError(new NotFoundError('x'), 'r').problem.type,
    problemForError(new ValidationError([]), 'r').problem.type,
    problemForError(new DependencyUnavailableError('redis', 'x'), 'r').problem.type,
    problemForError(new Error('x'), 'r').problem.type,
    problemForStatus(405, 'r').type,
  ]);
  t.is(types.size, 5);
});
