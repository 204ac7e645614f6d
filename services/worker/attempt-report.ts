import type { AttemptReport } from '../core/run/store.js';
import { MAX_DELAY_SECONDS } from '../core/queue/limits.js';
import type { AgentOutcome } from './agents/executor.js';

/** Why the worker stopped an agent before it finished by itself. */
export type AbortReason = 'timeout' | 'cancel' | 'interrupt' | 'lease_lost';

/**
 * The attempt's outcome as the run store is told it. Once the worker aborted the agent, the abort's
 * reason decides, whatever the agent returned on its way out: a cancelled run is `cancelled` even if
 * the agent managed to print a result. A lost lease reports nothing (the attempt is no longer ours).
 */
export function attemptReport(reason: AbortReason | undefined, outcome: AgentOutcome): AttemptReport | undefined {
  switch (reason) {
    case 'timeout':
      return { outcome: 'timed_out' };
    case 'cancel':
      return { outcome: 'cancelled' };
    case 'interrupt':
      return { outcome: 'interrupted' };
    case 'lease_lost':
      return undefined;
    case undefined:
      return outcome.kind === 'result'
        ? { outcome: 'succeeded', result: outcome.result }
        : { outcome: 'failed', error: outcome.error, retryable: outcome.retryable };
  }
}

/** Seconds for a queue delay: whole seconds (SQS), rounded up so a backoff is never shortened, within the queue's cap. */
export function delaySeconds(ms: number): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil(ms / 1000)));
}
