import type { AgentFailureClass } from '../core/agents/catalog.js';
import type { AttemptReport } from '../core/run/store.js';
import { AgentErrorType } from './agents/executor.js';
import type { BreakerVerdict } from './breaker.js';

/**
 * Whose fault a finished attempt is, which decides which breaker hears of it (issue 11):
 *
 * | attempt                                                        | class             |
 * |----------------------------------------------------------------|-------------------|
 * | succeeded                                                      | success           |
 * | the run store failed to begin or record it (Redis down)        | platform          |
 * | failed after the run store refused its checkpoint (Redis down)  | platform          |
 * | `worker_error` (the worker itself threw)                       | platform          |
 * | `agent_spawn_failed`, retryable (EAGAIN, EMFILE, ENOMEM: this machine is out of processes, file descriptors or memory) | platform |
 * | timed out                                                      | agent-transient   |
 * | any other failure the agent marks retryable (its dependency is down, it crashed, was killed) | agent-transient |
 * | `invalid_input`, `unknown_agent`                               | agent-permanent   |
 * | any failure marked non-retriable (spawn ENOENT, a module that does not load, a result too large, `retryable: false`) | agent-permanent |
 * | cancelled, interrupted (drain, Spot)                           | ignored           |
 *
 * The platform's two types are trusted because only the worker assigns them: an agent reporting one
 * gets it marked as its own (`agent:worker_error`, agentReportedType in executor.ts), which lands in
 * an agent class; otherwise one failing agent could stop the worker for every agent.
 * `unknown_agent` is a deployment mismatch, not this worker failing: counting it as platform would
 * stop the worker for every agent. The queue failing to receive is not an attempt; the worker's
 * receive loop backs off on its own.
 */
export type FailureClass = 'platform' | AgentFailureClass;
export type AttemptClass = 'success' | FailureClass | 'ignored';

const PERMANENT_ERRORS = new Set<string>([AgentErrorType.invalidInput, AgentErrorType.unknownAgent]);

/**
 * `checkpointRefused`: during the attempt the run store refused a checkpoint for a reason of its own
 * (not a checkpoint too large); an agent failing after that failed because the platform did.
 */
export function classifyAttempt(report: AttemptReport | 'infrastructure_error', checkpointRefused = false): AttemptClass {
  if (report === 'infrastructure_error') return 'platform';
  switch (report.outcome) {
    case 'succeeded':
      return 'success';
    case 'timed_out':
      return 'agent-transient';
    case 'cancelled':
    case 'interrupted':
      return 'ignored';
    case 'failed': {
      if (checkpointRefused) return 'platform';
      const { type } = report.error;
      const retryable = report.retryable !== false;
      if (type === AgentErrorType.workerError) return 'platform';
      if (type === AgentErrorType.agentSpawn && retryable) return 'platform';
      if (PERMANENT_ERRORS.has(type) || !retryable) return 'agent-permanent';
      return 'agent-transient';
    }
  }
}

/**
 * The worker's platform breaker: only platform failures count against it, and every attempt that got
 * through the platform (whatever the agent did) counts for it, so the share is of platform failures.
 */
export function platformVerdict(attempt: AttemptClass): BreakerVerdict {
  if (attempt === 'ignored') return 'ignore';
  return attempt === 'platform' ? 'failure' : 'success';
}

/** An agent's breaker: a failure when the agent counts its class, a success on success, nothing otherwise. */
export function agentVerdict(attempt: AttemptClass, counts: readonly AgentFailureClass[]): BreakerVerdict {
  if (attempt === 'success') return 'success';
  if (attempt === 'platform' || attempt === 'ignored') return 'ignore';
  return counts.includes(attempt) ? 'failure' : 'ignore';
}
