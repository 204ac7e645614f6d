import { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_SECONDS, type AgentCatalog } from '../core/agents/catalog.js';
import type { RunSpec } from '../core/run/model.js';
import { ValidationError } from './errors.js';
import type { CreateRunRequest } from './schemas.js';

/**
 * What a validated request asks for, completed with defaults: the request's own values, else the
 * agent's catalog entry, else the platform defaults. An agent the catalog does not know is a 400, and
 * so is an input that does not match the agent's `inputSchema` (each bad field named, `input.text`).
 */
export function resolveRunSpec(request: CreateRunRequest, agents: AgentCatalog): RunSpec {
  const agent = agents.get(request.agent);
  if (agent === undefined) {
    const known = [...agents.keys()].sort().join(', ');
    throw new ValidationError([{ field: 'agent', message: `unknown agent "${request.agent}"; known agents: ${known}` }]);
  }
  const inputProblems = agent.validateInput?.(request.input) ?? [];
  if (inputProblems.length > 0) throw new ValidationError(inputProblems);
  return {
    agent: request.agent,
    input: request.input,
    timeoutSeconds: request.timeoutSeconds ?? agent.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    maxAttempts: request.maxAttempts ?? agent.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    priority: request.priority ?? 0,
    metadata: request.metadata ?? {},
    ...(request.ttlSeconds === undefined ? {} : { ttlSeconds: request.ttlSeconds }),
    ...(request.delaySeconds === undefined ? {} : { delaySeconds: request.delaySeconds }),
  };
}
