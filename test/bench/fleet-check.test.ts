import test from 'ava';
import { checkFleet, type RunRecord } from '../../bench/harness/fleet-check.js';

let clock = 1_000;
function line(event: 'start' | 'end' | 'stopped', runId: string, attempt: number, pid = 7): string {
  clock += 5;
  return JSON.stringify({ event, runId, attempt, agent: 'module', pid, at: clock, ...(event === 'end' ? { ok: true } : {}) });
}
const once = (runId: string, attempt = 1, pid = 7) => [line('start', runId, attempt, pid), line('end', runId, attempt, pid)];
const succeeded = (id: string, attempts: number[] = [1]): [string, RunRecord] => [id, { id, status: 'succeeded', attempts }];

test('every run succeeded once: nothing executed twice, nothing missing', (t) => {
  const journal = [...once('a'), ...once('b'), ...once('c')].join('\n');
  const check = checkFleet(['a', 'b', 'c'], new Map([succeeded('a'), succeeded('b'), succeeded('c')]), journal);
  t.like(check, { submitted: 3, succeeded: 3, retried: 0, executions: 3, unrecorded: 0 });
  t.deepEqual(check.executedTwice, []);
  t.deepEqual(check.neverCompleted, []);
  t.deepEqual(check.notSucceeded, {});
});

test('a run whose agent completed in two workers is executed twice, even when the store shows one attempt', (t) => {
  const journal = [...once('a', 1, 7), ...once('a', 1, 8), ...once('b')].join('\n');
  const check = checkFleet(['a', 'b'], new Map([succeeded('a'), succeeded('b')]), journal);
  t.deepEqual(check.executedTwice, ['a']);
  t.is(check.executions, 3);
});

test('a run stopped and retried under a new attempt number ran once: retried, not twice', (t) => {
  const journal = [line('start', 'a', 1), line('stopped', 'a', 1), ...once('a', 2)].join('\n');
  const check = checkFleet(['a'], new Map([succeeded('a', [1, 2])]), journal);
  t.deepEqual(check.executedTwice, []);
  t.is(check.retried, 1);
  t.is(check.succeeded, 1);
});

test('runs not succeeded are counted by status, a vanished record as missing, and unjournalled runs are named', (t) => {
  const records = new Map<string, RunRecord | undefined>([succeeded('a'), ['b', { id: 'b', status: 'running', attempts: [1] }], ['c', undefined]]);
  const check = checkFleet(['a', 'b', 'c'], records, [...once('a'), line('start', 'b', 1)].join('\n'));
  t.is(check.succeeded, 1);
  t.deepEqual(check.notSucceeded, { running: 1, missing: 1 });
  t.deepEqual(check.neverCompleted, ['b', 'c']);
});

test('an execution of an attempt the store does not list is unrecorded', (t) => {
  const check = checkFleet(['a'], new Map([succeeded('a', [1])]), [...once('a', 2)].join('\n'));
  t.is(check.unrecorded, 1);
});
