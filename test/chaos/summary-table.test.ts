import test from 'ava';
import { censusOf, check, resultFromError, resultFromReport } from '../../chaos/harness/result.js';
import { renderSummary } from '../../chaos/harness/table.js';
import { header, report } from './helpers/scenario-report.js';

test('the summary has one row per scenario and lists every failure with what was seen', (t) => {
  const passed = resultFromReport(header, report());
  const failed = resultFromReport(
    { ...header, scenario: 'restart-redis' },
    report({ census: censusOf(['x'], new Map([['x', 'queued']])), recoverySeconds: null, checks: [check('answers were 503 | never 500', false, 'GET /readyz → 500 ×2')] }),
  );
  const broken = resultFromError({ ...header, scenario: 'poison' }, new Error('no redis'));
  const summary = renderSummary([passed, failed, broken], { generatedAt: '2026-01-01T00:00:00Z', totalSeconds: 95.4 });
  t.true(summary.includes('| kill-workers | 3 | 3 | 0 | 0 | 12.3 | yes |'));
  t.true(summary.includes('| restart-redis | 1 | 0 | 1 | 0 | – | **no** |'));
  t.true(summary.includes('| poison | not run |'));
  t.true(summary.includes('- **restart-redis**: 1 run(s) lost (not terminal by the deadline or missing): x'));
  t.true(summary.includes('- **restart-redis**: answers were 503 | never 500 — GET /readyz → 500 ×2'));
  t.true(summary.includes('- **poison**: the scenario ran to its end — no redis'));
  t.true(summary.includes('1 of 3 scenarios passed in 95 s.'));
  t.true(summary.includes('- **kill-workers**: from the kill until the pool is back'), 'what recovery measures is spelled out');
});

test('a pipe inside a table cell is escaped', (t) => {
  const piped = resultFromReport({ ...header, scenario: 'a|b' }, report());
  t.true(renderSummary([piped], { generatedAt: 'now', totalSeconds: 1 }).includes('| a\\|b |'));
});
