import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS, type AgentCatalog } from '../core/agents/catalog.js';
import { RUN_MESSAGE_VERSION, type RunMessage } from '../core/queue/message.js';
import type { Run, RunSpec } from '../core/run/model.js';
import { ValidationError } from './errors.js';
import type { CreateRunRequest } from './schemas.js';

/**
 * What a validated request asks for, completed with defaults: the request's own values, else the
 * agent's catalog entry, else the platform defaults. An agent the catalog does not know is a 400.
 */
export function resolveRunSpec(request: CreateRunRequest, agents: AgentCatalog): RunSpec {
  const agent = agents.get(request.agent);
  if (agent === undefined) {
    const known = [...agents.keys()].sort().join(', ');
    throw new ValidationError([{ field: 'agent', message: `unknown agent "${request.agent}"; known agents: ${known}` }]);
  }
  return {
    agent: request.agent,
    input: request.input,
    timeoutSeconds: request.timeoutSeconds ?? agent.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    maxAttempts: request.maxAttempts ?? agent.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    priority: request.priority ?? 0,
    metadata: request.metadata ?? {},
  };
}

/** The first queue message of a new run: everything a worker needs, even if the run's record is lost. */
export function firstRunMessage(run: Run): RunMessage {
  return {
    v: RUN_MESSAGE_VERSION,
    runId: run.id,
    tenant: run.tenant,
    agent: run.agent,
    input: run.input,
    timeoutSeconds: run.timeoutSeconds,
    maxAttempts: run.maxAttempts,
    attempt: 1,
    priority: run.priority,
    metadata: run.metadata,
    createdAt: run.createdAt,
  };
}
