import test from 'ava';
import { changedPaths, unexplainedChanges, type PlanJson } from './support/plan-changes.js';

// The emulator test's verdict on a second plan rests on these rules.

const update = (type: string, before: unknown, after: unknown, afterUnknown: unknown = {}): PlanJson => ({
  resource_changes: [{ address: `${type}.x`, type, change: { actions: ['update'], before, after, after_unknown: afterUnknown } }],
});

test('JSON attributes that differ only in whitespace are not changes', (t) => {
  t.deepEqual(changedPaths({ policy: '{"a": 1}' }, { policy: '{"a":1}' }, {}, true), []);
  t.deepEqual(changedPaths({ policy: '{"a": 1}' }, { policy: '{"a":2}' }, {}, true), ['policy']);
});

test('nested changes are named by path, list indexes as *', (t) => {
  const before = { mixed: [{ template: [{ version: '1', id: 'lt-1' }] }] };
  t.deepEqual(changedPaths(before, { mixed: [{ template: [{ id: 'lt-1' }] }] }, { mixed: [{ template: [{ version: true }] }] }, true), ['mixed.*.template.*.version']);
});

test('a change no gap lists is reported; a listed one is not', (t) => {
  const gaps = { aws_sqs_queue: { paths: ['tags'], reason: 'test' } };
  t.deepEqual(unexplainedChanges(update('aws_sqs_queue', { tags: {} }, { tags: { a: 'b' } }), gaps), []);
  t.deepEqual(unexplainedChanges(update('aws_sqs_queue', { delay_seconds: 0 }, { delay_seconds: 5 }), gaps), [
    { address: 'aws_sqs_queue.x', actions: ['update'], paths: ['delay_seconds'] },
  ]);
});

test('a replacement passes only where the gap allows replacing, and creations never pass', (t) => {
  const replace: PlanJson = {
    resource_changes: [{ address: 'aws_ecs_service.x', type: 'aws_ecs_service', change: { actions: ['delete', 'create'], before: { s: [] }, after: { s: [1] }, after_unknown: { id: true } } }],
  };
  t.deepEqual(unexplainedChanges(replace, { aws_ecs_service: { paths: ['s'], replaces: true, reason: 'test' } }), []);
  t.is(unexplainedChanges(replace, { aws_ecs_service: { paths: ['s'], reason: 'test' } }).length, 1);
  const create: PlanJson = { resource_changes: [{ address: 'aws_sqs_queue.y', type: 'aws_sqs_queue', change: { actions: ['create'], before: null, after: {}, after_unknown: {} } }] };
  t.is(unexplainedChanges(create, { aws_sqs_queue: { paths: ['tags'], reason: 'test' } }).length, 1);
});
