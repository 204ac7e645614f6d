import test from 'ava';
import { censusOf, check, resultFromError, resultFromReport } from '../../chaos/harness/result.js';
import { clean, header, report } from './helpers/scenario-report.js';

test('the census counts terminal runs; a run still open or missing at the deadline is lost', (t) => {
  const census = censusOf(['a', 'b', 'c', 'd'], new Map([['a', 'succeeded'], ['b', 'running'], ['c', 'timed_out'], ['d', undefined]]));
  t.deepEqual(census, { submitted: 4, terminal: 2, lost: ['b', 'd'], byStatus: { succeeded: 1, running: 1, timed_out: 1, missing: 1 } });
});

test('a result carries the contract fields and passes when nothing was lost, nothing ran twice and every check held', (t) => {
  const result = resultFromReport(header, report());
  t.like(result, { scenario: 'kill-workers', submitted: 3, terminal: 3, lost: 0, executedTwice: 0, recoverySeconds: 12.3, passed: true });
  t.deepEqual(result.byStatus, { succeeded: 2, failed: 1 });
});

test('a lost run, a run executed twice or a failed check each fail the scenario', (t) => {
  const lost = report({ census: censusOf(['a'], new Map([['a', 'queued']])) });
  t.like(resultFromReport(header, lost), { lost: 1, lostRuns: ['a'], passed: false });
  const twice = report({ executions: { ...clean, executedTwice: ['r1'] } });
  t.like(resultFromReport(header, twice), { executedTwice: 1, executedTwiceRuns: ['r1'], passed: false });
  const failed = report({ checks: [check('good', true), check('the pool came back', false, 'it did not')] });
  t.false(resultFromReport(header, failed).passed);
});

test('a check keeps its detail only when it failed', (t) => {
  t.deepEqual(check('held', true, 'noise'), { name: 'held', passed: true });
  t.deepEqual(check('broke', false, 'what was seen'), { name: 'broke', passed: false, detail: 'what was seen' });
});

test('a scenario that could not run fails, saying why', (t) => {
  const result = resultFromError(header, new Error('agentfleet dev exited with 1 during start-up'));
  t.like(result, { passed: false, recoverySeconds: null, error: 'agentfleet dev exited with 1 during start-up' });
  t.is(result.checks[0]?.passed, false);
});
