import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AttemptOutcome } from '../core/run/model.js';
import type { BreakerState } from './breaker.js';

/**
 * Resolution of the event-loop delay monitor behind `nodejs_eventloop_lag_p50_seconds` and friends: its
 * readings include this interval, so the lag is the reading minus it.
 */
export const EVENT_LOOP_MONITOR_RESOLUTION_MS = 10;

/** The worker's Prometheus metrics, on a registry of its own (several workers may share a process in tests). */
export class WorkerMetrics {
  readonly registry: Registry;
  readonly slotsTotal: Gauge;
  readonly slotsBusy: Gauge;
  readonly draining: Gauge;
  readonly breakerState: Gauge;
  readonly agentBreakerState: Gauge<'agent'>;
  readonly breakerOpened: Counter<'scope' | 'agent'>;
  readonly alertsFailed: Counter;
  readonly attemptsStarted: Counter;
  readonly attemptsFinished: Counter<'outcome'>;
  readonly attemptDuration: Histogram<'outcome'>;
  readonly deliveriesDropped: Counter<'reason'>;
  readonly poisonMessages: Counter;
  readonly eventsDropped: Counter;

  constructor(labels: { worker: string; pool: string }, registry = new Registry()) {
    this.registry = registry;
    registry.setDefaultLabels(labels);
    this.slotsTotal = new Gauge({ name: 'agentfleet_worker_slots', help: 'Slots of this worker (WORKER_SLOTS).', registers: [registry] });
    this.slotsBusy = new Gauge({ name: 'agentfleet_worker_slots_busy', help: 'Slots holding a delivery.', registers: [registry] });
    this.draining = new Gauge({ name: 'agentfleet_worker_draining', help: '1 while the worker drains (SIGTERM, Spot notice, scale-in).', registers: [registry] });
    this.breakerState = new Gauge({
      name: 'agentfleet_worker_breaker_state',
      help: 'Circuit breaker: 0 closed, 1 half-open, 2 open (not taking work).',
      registers: [registry],
    });
    this.agentBreakerState = new Gauge({
      name: 'agentfleet_worker_agent_breaker_state',
      help: "An agent's circuit breaker on this worker: 0 closed, 1 half-open, 2 open (its runs are handed back to wait).",
      labelNames: ['agent'],
      registers: [registry],
    });
    this.breakerOpened = new Counter({
      name: 'agentfleet_worker_breaker_opened_total',
      help: 'Times a closed circuit breaker opened (a failed half-open probe re-opening it is not counted): scope "platform" (the worker stopped pulling, agent "") or "agent".',
      labelNames: ['scope', 'agent'],
      registers: [registry],
    });
    this.alertsFailed = new Counter({
      name: 'agentfleet_worker_alerts_failed_total',
      help: 'Breaker alerts that could not be published to the SNS topic (ALERTS_TOPIC_ARN).',
      registers: [registry],
    });
    this.attemptsStarted = new Counter({ name: 'agentfleet_worker_attempts_started_total', help: 'Attempts started.', registers: [registry] });
    this.attemptsFinished = new Counter({
      name: 'agentfleet_worker_attempts_finished_total',
      help: 'Attempts finished, by outcome.',
      labelNames: ['outcome'],
      registers: [registry],
    });
    this.attemptDuration = new Histogram({
      name: 'agentfleet_worker_attempt_duration_seconds',
      help: 'Wall time of an attempt, from start to its reported outcome.',
      labelNames: ['outcome'],
      buckets: [0.01, 0.05, 0.25, 1, 5, 15, 30, 60, 300, 900, 3600],
      registers: [registry],
    });
    this.deliveriesDropped = new Counter({
      name: 'agentfleet_worker_deliveries_skipped_total',
      help: "Deliveries not executed: the run was finished (duplicate), busy on another worker, not due yet (early), or its agent's breaker was open (agent_breaker).",
      labelNames: ['reason'],
      registers: [registry],
    });
    this.poisonMessages = new Counter({
      name: 'agentfleet_worker_poison_messages_total',
      help: 'Messages sent to the dead-letter queue because they could not be parsed.',
      registers: [registry],
    });
    this.eventsDropped = new Counter({
      name: 'agentfleet_worker_agent_events_dropped_total',
      help: 'Agent log/progress events dropped by the rate limit.',
      registers: [registry],
    });
  }

  setBreaker(state: BreakerState): void {
    this.breakerState.set(stateValue(state));
  }

  setAgentBreaker(agent: string, state: BreakerState): void {
    this.agentBreakerState.set({ agent }, stateValue(state));
  }

  finished(outcome: AttemptOutcome | 'lost', seconds: number): void {
    this.attemptsFinished.inc({ outcome });
    this.attemptDuration.observe({ outcome }, seconds);
  }
}

function stateValue(state: BreakerState): number {
  return state === 'closed' ? 0 : state === 'half-open' ? 1 : 2;
}
