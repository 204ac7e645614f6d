import type { Run } from '../core/run/model.js';
import type { RunResource } from './schemas.js';

/**
 * A run as clients see it (DESIGN §5). Every field is always present (null until known), so clients
 * never need to tell "absent" from "not yet"; the tenant and worker ids stay internal.
 */
export function toRunResource(run: Run): RunResource {
  return {
    id: run.id,
    agent: run.agent,
    status: run.status,
    input: run.input,
    timeoutSeconds: run.timeoutSeconds,
    maxAttempts: run.maxAttempts,
    priority: run.priority,
    metadata: run.metadata,
    ttlSeconds: run.ttlSeconds ?? null,
    delaySeconds: run.delaySeconds ?? 0,
    attempts: run.attempts.map((attempt) => ({
      number: attempt.number,
      outcome: attempt.outcome ?? null,
      startedAt: attempt.startedAt,
      finishedAt: attempt.finishedAt ?? null,
      error: attempt.error ?? null,
    })),
    createdAt: run.createdAt,
    startedAt: run.startedAt ?? null,
    finishedAt: run.finishedAt ?? null,
    result: run.result ?? null,
    error: run.error ?? null,
    cancelRequested: run.cancelRequested ?? false,
  };
}
