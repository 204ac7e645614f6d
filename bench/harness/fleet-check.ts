import { executionsOf, parseJournal, summarizeExecutions } from '../../chaos/harness/executions.js';

/**
 * The verdict on a fleet run, from two witnesses that do not share code: the run store (status and
 * attempts of each run) and the journal the agent itself appended to on every start and end
 * (chaos/agents/journal.mjs). A run counts as executed twice when its agent started twice under
 * one attempt number or completed its work twice, whatever the store says.
 */

export interface RunRecord {
  id: string;
  status: string;
  /** Attempt numbers the store lists for the run. */
  attempts: readonly number[];
}

export interface FleetCheck {
  submitted: number;
  succeeded: number;
  /** Runs whose status is not `succeeded` (or that the store no longer has), by status. */
  notSucceeded: Record<string, number>;
  /** Runs with more than one attempt in the store (a lease lapsed or a message came back). */
  retried: number;
  executions: number;
  executedTwice: string[];
  /** Submitted runs the journal has no completed execution of. */
  neverCompleted: string[];
  /** Executions of an attempt the store does not list for that run. */
  unrecorded: number;
}

/** `records` maps every submitted id to what the store holds for it (undefined: the record is gone). */
export function checkFleet(submitted: readonly string[], records: ReadonlyMap<string, RunRecord | undefined>, journal: string): FleetCheck {
  const executions = executionsOf(parseJournal(journal));
  const recordedAttempts = new Map<string, readonly number[]>();
  const notSucceeded: Record<string, number> = {};
  let succeeded = 0;
  let retried = 0;
  for (const id of submitted) {
    const record = records.get(id);
    const status = record?.status ?? 'missing';
    if (status === 'succeeded') succeeded += 1;
    else notSucceeded[status] = (notSucceeded[status] ?? 0) + 1;
    if (record) {
      recordedAttempts.set(id, record.attempts);
      if (record.attempts.length > 1) retried += 1;
    }
  }
  const completed = new Set(executions.filter((execution) => execution.outcome === 'completed').map((execution) => execution.runId));
  const summary = summarizeExecutions(executions, recordedAttempts);
  return {
    submitted: submitted.length,
    succeeded,
    notSucceeded,
    retried,
    executions: summary.executions,
    executedTwice: summary.executedTwice,
    neverCompleted: submitted.filter((id) => !completed.has(id)),
    unrecorded: summary.unrecorded.length,
  };
}
