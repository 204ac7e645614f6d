import type { Run } from './model.js';

/**
 * How a run is split for storage: its `spec` (what was asked for, fixed at creation) and its `state`
 * (what happened since), two JSON fields of the run's hash. A transition rewrites only the state, so
 * an input of hundreds of KB is written once, not on every status change. The id is the hash's key.
 *
 * The spec's JSON starts with the tenant and the agent, in that order: a transition that trusts a
 * queue message for them (to name the run's index keys without reading the run first) checks this
 * prefix in the same script (`specPrefix`).
 */

export type RunSpecRecord = Pick<
  Run,
  'tenant' | 'agent' | 'input' | 'timeoutSeconds' | 'maxAttempts' | 'priority' | 'metadata' | 'createdAt' | 'ttlSeconds' | 'delaySeconds'
>;
export type RunStateRecord = Omit<Run, 'id' | keyof RunSpecRecord>;

export function encodeSpec(run: Run): string {
  const spec: RunSpecRecord = {
    tenant: run.tenant,
    agent: run.agent,
    input: run.input,
    timeoutSeconds: run.timeoutSeconds,
    maxAttempts: run.maxAttempts,
    priority: run.priority,
    metadata: run.metadata,
    createdAt: run.createdAt,
    ttlSeconds: run.ttlSeconds,
    delaySeconds: run.delaySeconds,
  };
  return JSON.stringify(spec);
}

export function encodeState(run: Run): string {
  // Every field named, so a field added to the run model fails to compile here until it is placed.
  const state: { [Field in keyof Required<RunStateRecord>]: RunStateRecord[Field] } = {
    status: run.status,
    attempts: run.attempts,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    result: run.result,
    error: run.error,
    cancelRequested: run.cancelRequested,
    nextAttemptAt: run.nextAttemptAt,
  };
  return JSON.stringify(state);
}

export function decodeRun(id: string, spec: string, state: string): Run {
  return { id, ...(JSON.parse(spec) as RunSpecRecord), ...(JSON.parse(state) as RunStateRecord) };
}

/** What every spec of this tenant's runs of this agent starts with (see `encodeSpec`). */
export function specPrefix(tenant: string, agent: string): string {
  return `{"tenant":${JSON.stringify(tenant)},"agent":${JSON.stringify(agent)},`;
}

/** What a status event says: enough for an SSE client to follow a run without fetching it. */
export function statusEvent(run: Run, at: string): string {
  const attempt = run.attempts.at(-1);
  return JSON.stringify({
    status: run.status,
    at,
    ...(attempt ? { attempt: attempt.number, ...(attempt.outcome ? { outcome: attempt.outcome } : {}) } : {}),
    ...(run.cancelRequested ? { cancelRequested: true } : {}),
    ...(run.error ? { error: run.error } : {}),
  });
}

/** Runs as the listing and outbox scripts return them: id, spec, state, id, spec, state, ... */
export function decodeRuns(flat: string[]): Run[] {
  const runs: Run[] = [];
  for (let i = 0; i + 2 < flat.length; i += 3) runs.push(decodeRun(flat[i]!, flat[i + 1]!, flat[i + 2]!));
  return runs;
}
