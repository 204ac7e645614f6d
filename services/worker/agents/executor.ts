import type { RunError } from '../../core/run/model.js';

/**
 * One interface over the three agent types (DESIGN §6). An executor runs one attempt of one run and
 * never rejects: whatever happens becomes an `AgentOutcome`. When `ctx.signal` aborts, the executor
 * stops the agent (for a process: SIGTERM to its group, SIGKILL after the kill grace) and resolves;
 * the caller decides the attempt's outcome from the abort reason, not from what the agent returned.
 */

export interface AgentContext {
  readonly runId: string;
  /** 1-based attempt number, interrupted attempts included. */
  readonly attempt: number;
  readonly input: unknown;
  readonly signal: AbortSignal;
  /** The data of the last checkpoint any earlier attempt of this run saved. */
  readonly lastCheckpoint: unknown;
  log(message: string, fields?: Record<string, unknown>): void;
  progress(data: Record<string, unknown>): void;
  /** Saves resumable state; resolves once it is stored. */
  checkpoint(data: unknown): Promise<void>;
}

export type AgentOutcome =
  | { kind: 'result'; result: unknown }
  | { kind: 'error'; error: RunError; retryable: boolean };

export interface AgentExecutor {
  execute(ctx: AgentContext): Promise<AgentOutcome>;
}

export function agentError(type: string, message: string, retryable = true): AgentOutcome {
  return { kind: 'error', error: { type, message }, retryable };
}

/** Error types the worker itself assigns. */
export const AgentErrorType = {
  workerError: 'worker_error',
  invalidInput: 'invalid_input',
  unknownAgent: 'unknown_agent',
  agentError: 'agent_error',
  agentExit: 'agent_exit',
  agentSignal: 'agent_signal',
  agentSpawn: 'agent_spawn_failed',
  agentModule: 'agent_module_invalid',
  resultTooLarge: 'result_too_large',
} as const;

/**
 * The types failure-class.ts reads as the platform failing, which stops the worker for every agent:
 * only the worker may assign them. Agents may report any other type, the worker's others included.
 */
export const PLATFORM_ERROR_TYPES: ReadonlySet<string> = new Set([AgentErrorType.workerError, AgentErrorType.agentSpawn]);

/** The run's error type for a type an agent reported: one of the platform's is marked as the agent's (`agent:worker_error`). */
export function agentReportedType(type: string): string {
  return PLATFORM_ERROR_TYPES.has(type) ? `agent:${type}` : type;
}
