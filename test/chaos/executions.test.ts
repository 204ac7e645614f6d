import test from 'ava';
import fc from 'fast-check';
import { executionsOf, JournalError, parseJournal, resumptionsOf, summarizeExecutions, type JournalEntry } from '../../chaos/harness/executions.js';

let clock = 1_000;
function entry(event: JournalEntry['event'], runId: string, attempt: number, fields: Partial<JournalEntry> = {}): JournalEntry {
  clock += 10;
  return { event, runId, attempt, agent: 'command', pid: 100 + attempt, ppid: 50, at: clock, ...fields };
}

const none = new Map<string, number[]>();

test('journal lines parse into entries; blank lines are skipped', (t) => {
  const lines = [entry('start', 'r1', 1), entry('end', 'r1', 1, { ok: true })].map((e) => JSON.stringify(e));
  t.deepEqual(
    parseJournal(`${lines.join('\n')}\n\n`).map((e) => e.event),
    ['start', 'end'],
  );
});

test('a journal line that is not an entry is an error naming its line and field', (t) => {
  const good = JSON.stringify(entry('start', 'r1', 1));
  t.throws(() => parseJournal(`${good}\nnot json`), { instanceOf: JournalError, message: 'journal line 2: not JSON' });
  t.throws(() => parseJournal(JSON.stringify({ ...entry('start', 'r1', 1), attempt: 0 })), { message: /line 1: attempt/ });
  t.throws(() => parseJournal(JSON.stringify({ ...entry('start', 'r1', 1), event: 'begin' })), { message: /line 1: event/ });
  t.throws(() => parseJournal(JSON.stringify({ ...entry('start', 'r1', 1), runId: '' })), { message: /line 1: runId/ });
  t.throws(() => parseJournal(JSON.stringify(entry('checkpoint', 'r1', 1))), { message: /line 1: doneMs/ });
});

test('checkpoints belong to the execution that wrote them and do not end it', (t) => {
  const [execution] = executionsOf([
    entry('start', 'r1', 2, { resumedFrom: 4_000 }),
    entry('checkpoint', 'r1', 2, { doneMs: 5_000 }),
    entry('checkpoint', 'r1', 2, { doneMs: 6_000 }),
    entry('end', 'r1', 2, { ok: true }),
  ]);
  t.like(execution, { outcome: 'completed', resumedFrom: 4_000, checkpoints: [5_000, 6_000] });
});

test('a resumed execution started from the last checkpoint written before it, or it did not', (t) => {
  const journal = executionsOf([
    entry('start', 'good', 1),
    entry('checkpoint', 'good', 1, { doneMs: 5_000 }),
    entry('checkpoint', 'good', 1, { doneMs: 7_500 }),
    entry('stopped', 'good', 1),
    entry('start', 'good', 2, { resumedFrom: 7_500 }),
    entry('start', 'stale', 1),
    entry('checkpoint', 'stale', 1, { doneMs: 5_000 }),
    entry('checkpoint', 'stale', 1, { doneMs: 10_000 }),
    entry('stopped', 'stale', 1),
    entry('start', 'stale', 2, { resumedFrom: 5_000 }),
    entry('start', 'fresh', 1),
    entry('checkpoint', 'fresh', 1, { doneMs: 5_000 }),
    entry('start', 'fresh', 2),
    entry('start', 'never', 1),
    entry('start', 'never', 2),
  ]);
  t.deepEqual(
    resumptionsOf(journal).map((r) => [r.runId, r.fromLast]),
    [
      ['good', true],
      ['stale', false],
      ['fresh', false],
      ['never', true],
    ],
  );
  t.like(resumptionsOf(journal)[1], { lastWritten: 10_000, resumedFrom: 5_000 });
});

test('each start is paired with the end or stop of the same process, in time order whatever the line order', (t) => {
  const start = entry('start', 'r1', 1);
  const end = entry('end', 'r1', 1, { ok: false });
  const [execution] = executionsOf([end, start]);
  t.like(execution, { runId: 'r1', attempt: 1, outcome: 'failed', startedAt: start.at, endedAt: end.at, orphaned: false });
  t.is(executionsOf([entry('start', 'r2', 1), entry('stopped', 'r2', 1)])[0]?.outcome, 'stopped');
  t.is(executionsOf([entry('start', 'r3', 1)])[0]?.outcome, 'vanished', 'no end: it died with its worker');
});

test('an execution whose parent changed while it ran outlived its worker', (t) => {
  const [orphan] = executionsOf([entry('start', 'r1', 1, { ppid: 50 }), entry('end', 'r1', 1, { ok: true, ppid: 1 })]);
  t.true(orphan?.orphaned);
  const [module] = executionsOf([entry('start', 'r2', 1, { agent: 'module', ppid: undefined }), entry('end', 'r2', 1, { agent: 'module', ok: true, ppid: undefined })]);
  t.false(module?.orphaned, 'module agents journal no parent: they live in the worker');
});

test('a retry after a failed or vanished execution is not running twice', (t) => {
  const journal = executionsOf([
    entry('start', 'r1', 1),
    entry('end', 'r1', 1, { ok: false }),
    entry('start', 'r1', 2),
    entry('end', 'r1', 2, { ok: true }),
    entry('start', 'r2', 1),
    entry('start', 'r2', 2),
    entry('end', 'r2', 2, { ok: true }),
  ]);
  t.deepEqual(summarizeExecutions(journal, none).executedTwice, []);
});

test('two completions of one run, or two starts of one attempt, are running twice', (t) => {
  const journal = executionsOf([
    // An orphan finishing its work while the takeover attempt does it again.
    entry('start', 'orphaned', 1),
    entry('start', 'orphaned', 2),
    entry('end', 'orphaned', 1, { ok: true, ppid: 1 }),
    entry('end', 'orphaned', 2, { ok: true }),
    // The same attempt started by two processes.
    entry('start', 'duplicate', 1, { pid: 7 }),
    entry('start', 'duplicate', 1, { pid: 8 }),
  ]);
  const summary = summarizeExecutions(journal, none);
  t.deepEqual(summary.executedTwice, ['duplicate', 'orphaned']);
  t.is(summary.orphaned.length, 1);
  t.is(summary.executions, 4);
});

test('an execution of an attempt the run store does not list is unrecorded; unknown runs are not judged', (t) => {
  const journal = executionsOf([entry('start', 'r1', 1), entry('start', 'r1', 3), entry('start', 'gone', 1)]);
  const summary = summarizeExecutions(journal, new Map([['r1', [1, 2]]]));
  t.deepEqual(
    summary.unrecorded.map((e) => `${e.runId}#${e.attempt}`),
    ['r1#3'],
  );
});

test('property: executions with distinct attempts and at most one success never count as twice', (t) => {
  const run = fc.record({
    outcomes: fc.array(fc.constantFrom('failed', 'stopped', 'vanished'), { maxLength: 4 }),
    succeedsLast: fc.boolean(),
  });
  fc.assert(
    fc.property(fc.array(run, { minLength: 1, maxLength: 8 }), (runs) => {
      const entries: JournalEntry[] = [];
      runs.forEach(({ outcomes, succeedsLast }, index) => {
        const runId = `run-${index}`;
        const all = succeedsLast ? [...outcomes, 'completed'] : outcomes;
        all.forEach((outcome, i) => {
          entries.push(entry('start', runId, i + 1));
          if (outcome === 'failed') entries.push(entry('end', runId, i + 1, { ok: false }));
          if (outcome === 'completed') entries.push(entry('end', runId, i + 1, { ok: true }));
          if (outcome === 'stopped') entries.push(entry('stopped', runId, i + 1));
        });
      });
      const executions = executionsOf(entries);
      const summary = summarizeExecutions(executions, none);
      return summary.executedTwice.length === 0 && executions.length === entries.filter((e) => e.event === 'start').length;
    }),
  );
  t.pass();
});
