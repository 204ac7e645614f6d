import type { BreakerOptions, BreakerWindow } from './breaker.js';

/**
 * What the worker says when a breaker opens: the same fields go to the error log line, to the SNS
 * topic (ALERTS_TOPIC_ARN) and, as counts, to /metrics.
 */
export interface BreakerAlert {
  /** `agent_circuit_open`: one agent's runs wait; `worker_circuit_open`: this worker stopped pulling. */
  alert: 'agent_circuit_open' | 'worker_circuit_open';
  worker: string;
  /** The agent whose breaker opened (agent alerts only). */
  agent?: string;
  /** Counted failures and counted attempts in the rolling window when it opened. */
  failures: number;
  attempts: number;
  failurePercent: number;
  errorPercent: number;
  windowSeconds: number;
  cooldownSeconds: number;
  at: string;
}

/** Where alerts go beyond the log; never throws and never waits for delivery. */
export interface AlertPublisher {
  publish(alert: BreakerAlert): void;
}

export function breakerAlert(
  scope: { alert: BreakerAlert['alert']; worker: string; agent?: string },
  window: BreakerWindow,
  thresholds: BreakerOptions,
  now: Date,
): BreakerAlert {
  const { failures, attempts } = window;
  return {
    ...scope,
    failures,
    attempts,
    failurePercent: attempts === 0 ? 0 : Math.round((failures / attempts) * 1000) / 10,
    errorPercent: thresholds.errorPercent,
    windowSeconds: thresholds.windowSeconds,
    cooldownSeconds: thresholds.cooldownSeconds,
    at: now.toISOString(),
  };
}

/** One line for people: the log message and the SNS subject. */
export function alertSummary(alert: BreakerAlert): string {
  const what = alert.agent === undefined ? `worker ${alert.worker} stopped taking work` : `agent ${alert.agent}'s runs wait on worker ${alert.worker}`;
  return `circuit breaker open: ${what}; ${alert.failures} of ${alert.attempts} attempts failed (${alert.failurePercent}% > ${alert.errorPercent}%) in ${alert.windowSeconds} s; probe after ${alert.cooldownSeconds} s`;
}
