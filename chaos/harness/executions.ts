/**
 * What the chaos agents' journal (chaos/agents/journal.mjs) says about how often each run's agent
 * really ran, as pure functions over its lines. The run store counts attempts; the journal counts
 * executions, including ones the store never heard of (an agent that outlived its worker).
 */

export interface JournalEntry {
  event: 'start' | 'checkpoint' | 'end' | 'stopped';
  runId: string;
  attempt: number;
  agent: 'command' | 'module';
  pid: number;
  /** Parent pid (command agents): the worker at start; someone else once that worker died. */
  ppid?: number;
  /** On `end`: whether the agent's work succeeded (a `fail` run ends with false). */
  ok?: boolean;
  /** On `start`: the work (ms) the checkpoint it was handed had done; absent on a fresh start. */
  resumedFrom?: number;
  /** On `checkpoint`: the work (ms) done when it was written. */
  doneMs?: number;
  /** ms since epoch. */
  at: number;
}

export type ExecutionOutcome =
  /** Ran to its end and did its work. */
  | 'completed'
  /** Ran to its end and failed on purpose. */
  | 'failed'
  /** Stopped by a signal (cancel, timeout, drain). */
  | 'stopped'
  /** Started and never ended: it died with its worker. */
  | 'vanished';

export interface Execution {
  runId: string;
  attempt: number;
  agent: JournalEntry['agent'];
  pid: number;
  startedAt: number;
  endedAt?: number;
  outcome: ExecutionOutcome;
  /** A command agent whose parent changed while it ran: it kept running after its worker died. */
  orphaned: boolean;
  /** The work (ms) of the checkpoint it started from; undefined on a fresh start. */
  resumedFrom?: number;
  /** The work (ms) of each checkpoint it wrote, in order. */
  checkpoints: number[];
}

export interface ExecutionSummary {
  executions: number;
  /**
   * Runs whose agent started more than once under one attempt number, or completed its work more
   * than once. A failed try followed by a retry is not "twice"; two completions are.
   */
  executedTwice: string[];
  /** Executions that outlived the worker that started them. */
  orphaned: Execution[];
  /** Executions of an attempt the run store does not list for that run. */
  unrecorded: Execution[];
}

export class JournalError extends Error {
  override readonly name = 'JournalError';
}

const EVENTS = new Set(['start', 'checkpoint', 'end', 'stopped']);
const AGENTS = new Set(['command', 'module']);

/** Lines of the journal; a line that is not a journal entry is an error naming its line number. */
export function parseJournal(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let value: Partial<JournalEntry>;
    try {
      value = JSON.parse(line) as Partial<JournalEntry>;
    } catch {
      throw new JournalError(`journal line ${index + 1}: not JSON`);
    }
    const problem = entryProblem(value);
    if (problem) throw new JournalError(`journal line ${index + 1}: ${problem}`);
    entries.push(value as JournalEntry);
  });
  return entries;
}

function entryProblem(value: Partial<JournalEntry>): string | undefined {
  if (!EVENTS.has(value.event as string)) return 'event: expected start, checkpoint, end or stopped';
  if (typeof value.runId !== 'string' || value.runId === '') return 'runId: expected a non-empty string';
  if (!Number.isInteger(value.attempt) || (value.attempt as number) < 1) return 'attempt: expected an integer ≥ 1';
  if (!AGENTS.has(value.agent as string)) return 'agent: expected command or module';
  if (!Number.isInteger(value.pid)) return 'pid: expected an integer';
  if (typeof value.at !== 'number') return 'at: expected a number';
  if (value.event === 'checkpoint' && !Number.isInteger(value.doneMs)) return 'doneMs: expected an integer on a checkpoint';
  return undefined;
}

/**
 * Pairs each start with the end or stop of the same process for the same run and attempt, collecting
 * the checkpoints it wrote in between.
 */
export function executionsOf(entries: readonly JournalEntry[]): Execution[] {
  const open = new Map<string, { start: JournalEntry; execution: Execution }>();
  const executions: Execution[] = [];
  const keyOf = (entry: JournalEntry) => `${entry.runId}\u0000${entry.attempt}\u0000${entry.pid}`;
  for (const entry of [...entries].sort((a, b) => a.at - b.at)) {
    const key = keyOf(entry);
    if (entry.event === 'start') {
      const execution: Execution = {
        runId: entry.runId,
        attempt: entry.attempt,
        agent: entry.agent,
        pid: entry.pid,
        startedAt: entry.at,
        outcome: 'vanished',
        orphaned: false,
        ...(entry.resumedFrom === undefined ? {} : { resumedFrom: entry.resumedFrom }),
        checkpoints: [],
      };
      executions.push(execution);
      open.set(key, { start: entry, execution });
      continue;
    }
    const pending = open.get(key);
    if (!pending) continue;
    if (entry.event === 'checkpoint') {
      pending.execution.checkpoints.push(entry.doneMs ?? 0);
      continue;
    }
    open.delete(key);
    pending.execution.endedAt = entry.at;
    pending.execution.outcome = entry.event === 'stopped' ? 'stopped' : entry.ok === false ? 'failed' : 'completed';
    pending.execution.orphaned = pending.start.ppid !== undefined && entry.ppid !== undefined && entry.ppid !== pending.start.ppid;
  }
  return executions;
}

/**
 * `recordedAttempts` maps each run to the attempt numbers the run store lists for it; runs missing
 * from it are not judged for unrecorded executions (the census reports them as lost instead).
 */
export function summarizeExecutions(executions: readonly Execution[], recordedAttempts: ReadonlyMap<string, readonly number[]>): ExecutionSummary {
  const byRun = new Map<string, Execution[]>();
  for (const execution of executions) byRun.set(execution.runId, [...(byRun.get(execution.runId) ?? []), execution]);
  const executedTwice: string[] = [];
  for (const [runId, runs] of byRun) {
    const attempts = runs.map((execution) => execution.attempt);
    const completions = runs.filter((execution) => execution.outcome === 'completed').length;
    if (new Set(attempts).size < attempts.length || completions > 1) executedTwice.push(runId);
  }
  const unrecorded = executions.filter((execution) => {
    const recorded = recordedAttempts.get(execution.runId);
    return recorded !== undefined && !recorded.includes(execution.attempt);
  });
  return {
    executions: executions.length,
    executedTwice: executedTwice.sort(),
    orphaned: executions.filter((execution) => execution.orphaned),
    unrecorded,
  };
}

/** How one execution started relative to the checkpoints its run's earlier executions wrote. */
export interface Resumption {
  runId: string;
  attempt: number;
  /** The work (ms) of the last checkpoint written before it started; undefined when there was none. */
  lastWritten?: number;
  /** The work (ms) of the checkpoint it was handed; undefined on a fresh start. */
  resumedFrom?: number;
  /** It started from exactly the last checkpoint written (or fresh when none was). */
  fromLast: boolean;
}

/** For each execution after a run's first: did it resume from the last checkpoint written before it? */
export function resumptionsOf(executions: readonly Execution[]): Resumption[] {
  const byRun = new Map<string, Execution[]>();
  for (const execution of executions) byRun.set(execution.runId, [...(byRun.get(execution.runId) ?? []), execution]);
  const resumptions: Resumption[] = [];
  for (const [runId, runs] of byRun) {
    const ordered = [...runs].sort((a, b) => a.startedAt - b.startedAt);
    let lastWritten: number | undefined;
    ordered.forEach((execution, index) => {
      if (index > 0) {
        const { attempt, resumedFrom } = execution;
        resumptions.push({
          runId,
          attempt,
          ...(lastWritten === undefined ? {} : { lastWritten }),
          ...(resumedFrom === undefined ? {} : { resumedFrom }),
          fromLast: resumedFrom === lastWritten,
        });
      }
      lastWritten = execution.checkpoints.at(-1) ?? lastWritten;
    });
  }
  return resumptions;
}
