import type { Execution, ExecutionSummary } from './executions.js';

/**
 * One scenario's written result (DESIGN §3: `{scenario, submitted, terminal, lost, executedTwice,
 * recoverySeconds, passed}` plus what explains them), built from what the scenario observed by pure
 * functions. A scenario passes when no run was lost, none ran twice and every check held.
 */

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

/** One rule the scenario verified, with what was seen when it did not hold. */
export interface Check {
  name: string;
  passed: boolean;
  detail?: string;
}

export interface RunCensus {
  submitted: number;
  terminal: number;
  /** Runs not terminal by the deadline, or missing altogether. */
  lost: string[];
  byStatus: Record<string, number>;
}

/** `statuses` holds what the API answered for each submitted run; undefined means 404. */
export function censusOf(submitted: readonly string[], statuses: ReadonlyMap<string, string | undefined>): RunCensus {
  const byStatus: Record<string, number> = {};
  const lost: string[] = [];
  let terminal = 0;
  for (const id of submitted) {
    const status = statuses.get(id) ?? 'missing';
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    if (TERMINAL_STATUSES.has(status)) terminal += 1;
    else lost.push(id);
  }
  return { submitted: submitted.length, terminal, lost, byStatus };
}

export function check(name: string, passed: boolean, detail?: string): Check {
  return passed || detail === undefined ? { name, passed } : { name, passed, detail };
}

/** What a scenario hands back to the runner. */
export interface ScenarioReport {
  census: RunCensus;
  executions: ExecutionSummary;
  /** Seconds from the fault to normal service (each scenario defines both ends); null when it never recovered. */
  recoverySeconds: number | null;
  /** What recoverySeconds measures in this scenario, in words. */
  recoveryMeasures: string;
  checks: Check[];
  /** The settings that shape the result (slots, timeouts, sizes), as the scenario ran. */
  settings: Record<string, string | number>;
  /** Further measurements (seconds, counts). */
  figures?: Record<string, number | null>;
  /** What a reader needs to see why a check held or not (reasons, attempt histories). */
  evidence?: Record<string, unknown>;
}

export interface ResultHeader {
  scenario: string;
  title: string;
  startedAt: string;
  durationSeconds: number;
  machine: { cpus: number; loadAverage: string; node: string; redis?: string };
}

export interface ChaosResult extends ResultHeader {
  submitted: number;
  terminal: number;
  lost: number;
  executedTwice: number;
  recoverySeconds: number | null;
  passed: boolean;
  recoveryMeasures?: string;
  byStatus?: Record<string, number>;
  lostRuns?: string[];
  executedTwiceRuns?: string[];
  executions?: number;
  orphanedExecutions?: Pick<Execution, 'runId' | 'attempt' | 'agent' | 'pid'>[];
  unrecordedExecutions?: Pick<Execution, 'runId' | 'attempt' | 'agent' | 'pid'>[];
  checks: Check[];
  settings?: Record<string, string | number>;
  figures?: Record<string, number | null>;
  evidence?: Record<string, unknown>;
  /** Why the scenario could not run to its end; it then fails. */
  error?: string;
}

/** A few ids are evidence; thousands are noise in a JSON meant to be read. */
const LISTED = 20;

export function resultFromReport(header: ResultHeader, report: ScenarioReport): ChaosResult {
  const { census, executions } = report;
  const slim = (list: readonly Execution[]) => list.slice(0, LISTED).map(({ runId, attempt, agent, pid }) => ({ runId, attempt, agent, pid }));
  const passed = census.lost.length === 0 && executions.executedTwice.length === 0 && report.checks.every((c) => c.passed);
  return {
    ...header,
    submitted: census.submitted,
    terminal: census.terminal,
    lost: census.lost.length,
    executedTwice: executions.executedTwice.length,
    recoverySeconds: report.recoverySeconds === null ? null : round(report.recoverySeconds),
    passed,
    recoveryMeasures: report.recoveryMeasures,
    byStatus: census.byStatus,
    lostRuns: census.lost.slice(0, LISTED),
    executedTwiceRuns: executions.executedTwice.slice(0, LISTED),
    executions: executions.executions,
    orphanedExecutions: slim(executions.orphaned),
    unrecordedExecutions: slim(executions.unrecorded),
    checks: report.checks,
    settings: report.settings,
    ...(report.figures ? { figures: roundFigures(report.figures) } : {}),
    ...(report.evidence ? { evidence: report.evidence } : {}),
  };
}

export function resultFromError(header: ResultHeader, error: unknown): ChaosResult {
  const message = error instanceof Error ? error.message : String(error);
  return {
    ...header,
    submitted: 0,
    terminal: 0,
    lost: 0,
    executedTwice: 0,
    recoverySeconds: null,
    passed: false,
    checks: [{ name: 'the scenario ran to its end', passed: false, detail: message }],
    error: message,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function roundFigures(figures: Record<string, number | null>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, value === null ? null : round(value)]));
}
