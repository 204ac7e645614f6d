import type { ExecutionSummary } from '../../../chaos/harness/executions.js';
import { censusOf, check, type ResultHeader, type ScenarioReport } from '../../../chaos/harness/result.js';

/** A scenario's result header and a passing report, for tests of what is built from them. */

export const header: ResultHeader = {
  scenario: 'kill-workers',
  title: 'SIGKILL worker processes mid-run',
  startedAt: '2026-01-01T00:00:00.000Z',
  durationSeconds: 31.2,
  machine: { cpus: 2, loadAverage: '1.00 1.00 1.00', node: 'v20.0.0', redis: '7.0.15' },
};

export const clean: ExecutionSummary = { executions: 3, executedTwice: [], orphaned: [], unrecorded: [] };

export function report(overrides: Partial<ScenarioReport> = {}): ScenarioReport {
  return {
    census: censusOf(['a', 'b', 'c'], new Map([['a', 'succeeded'], ['b', 'succeeded'], ['c', 'failed']])),
    executions: clean,
    recoverySeconds: 12.345,
    recoveryMeasures: 'from the kill until the pool is back',
    checks: [check('every run ended', true)],
    settings: { workers: 3 },
    ...overrides,
  };
}
