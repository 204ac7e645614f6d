import { setMaxListeners } from 'node:events';
import type { WorkerRegistry, WorkerStatus } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';
import type { Delivery, QueueDriver } from '../core/queue/contract.js';
import type { RunStore } from '../core/run/store.js';
import type { AgentExecutors } from './agents/agent-executors.js';
import { agentBreakerSettings, AgentBreakers } from './agent-breakers.js';
import { RunBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { alertSummary, breakerAlert, type AlertPublisher, type BreakerAlert } from './breaker-alert.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { Heartbeat } from './heartbeat.js';
import { WorkerMetrics } from './metrics.js';
import { EventLoopLag } from './event-loop-lag.js';
import { DeliveryHandler, type InterruptPolicy } from './delivery-handler.js';
import { RegistryReporter } from './registry-reporter.js';
import { EventWriter, DEFAULT_EVENT_LIMITS, type EventLimits } from './run-events.js';
import { sleep } from './sleep.js';
import { Slots } from './slots.js';

/**
 * The worker: N slots and the loops that fill them. A receiver first takes the free slots it may fill
 * (at most one batch), then asks the queue for that many messages, so the worker never holds a
 * message it has no slot for and never receives while all slots are busy. Several receivers run at
 * once so that 10-message SQS receives can keep thousands of slots full. Pulling stops while the
 * platform circuit breaker is open (one probe when half-open) and for good once the worker drains;
 * while one agent's breaker is open, that agent's deliveries are handed back to wait and the others run.
 *
 * Draining (SIGTERM, Spot notice, scale-in): stop pulling at once, hand back deliveries received in
 * the meantime, let running attempts finish until the deadline, then interrupt the rest: their agents
 * are signalled and their messages released at once for another worker (attempt `interrupted`).
 *
 * Pausing (EC2 rebalance recommendation): stop pulling as a drain does, but with no deadline and
 * without stopping once idle. The worker stays up, reported as draining, until a Spot notice or the
 * scale-in that replaces its instance drains it: a paused worker that exited would be restarted on
 * the same instance (and see the same recommendation), and nobody would complete the lifecycle hook.
 */

export interface WorkerOptions {
  id: string;
  /** Pool reported to the fleet registry (`local`, `spot`, `on-demand`, `burst-spot`, `burst-ondemand`). */
  pool: string;
  slots: number;
  leaseSeconds: number;
  visibilitySeconds: number;
  /** On stop(): how long running attempts may take to finish before they are interrupted. */
  shutdownGraceMs: number;
  onInterrupt: InterruptPolicy;
  /** The platform breaker's thresholds (BREAKER_*), and each agent's unless its agents-file entry overrides them. */
  breaker: BreakerOptions;
  /** Each agent's breaker opens above this percent (AGENT_BREAKER_ERROR_PERCENT). @defaultValue `breaker.errorPercent` */
  agentBreakerErrorPercent?: number;
  /** Messages asked for per receive call. @defaultValue 10 (the SQS maximum) */
  receiveBatch?: number;
  /** Concurrent receive calls. @defaultValue min(16, slots) */
  receivers?: number;
  /** Long-poll time of one receive call. @defaultValue 20 (the SQS maximum) */
  receiveWaitSeconds?: number;
  /** How often the worker reports itself to the fleet registry. @defaultValue 5000 */
  reportIntervalMs?: number;
  events?: Partial<EventLimits>;
  /** How long to keep trying to record a finished attempt while the store fails. @defaultValue 60000 */
  finishRetryMs?: number;
  /** Run-store transitions (start, finish) in flight at once. @defaultValue 32 */
  transitionConcurrency?: number;
}

export interface WorkerDependencies {
  store: RunStore;
  queue: QueueDriver;
  executors: AgentExecutors;
  checkpoints: CheckpointStore;
  logger: Logger;
  /** Where the worker announces itself; optional for embedded use. */
  registry?: WorkerRegistry;
  metrics?: WorkerMetrics;
  /** Where breaker alerts go besides the log and /metrics (SNS when ALERTS_TOPIC_ARN is set). */
  alerts?: AlertPublisher;
}

const MAX_RECEIVERS = 16;
/**
 * Attempts being recorded at once, when the slots are fewer. Recording takes round trips but no agent
 * capacity; for short runs it is most of their time, so it gets more room than a small worker's slots.
 */
const MIN_RECORDING_CAPACITY = 256;
const RECEIVE_RETRY_MIN_MS = 500;
const RECEIVE_RETRY_MAX_MS = 10_000;

export class Worker {
  readonly id: string;
  readonly metrics: WorkerMetrics;
  /** Resolves once the worker has drained and let go of everything. */
  readonly stopped: Promise<void>;

  private readonly slots: Slots;
  private readonly heartbeat: Heartbeat;
  private readonly breaker: RunBreaker;
  private readonly agentBreakers: AgentBreakers;
  private readonly loopLag = new EventLoopLag();
  private readonly handler: DeliveryHandler;
  private readonly handling = new Set<Promise<void>>();
  /** Attempts whose agent is done and whose outcome is being recorded; they no longer hold a slot. */
  private recording = 0;
  /** Aborted when receives waiting on the queue must end: on drain, and (then replaced) whenever the breaker opens. */
  private receiveCycle = receiveCycle();
  private readonly startedAt = new Date().toISOString();
  private receivers: Promise<void>[] = [];
  private unsubscribeCancel: (() => Promise<void>) | undefined;
  private readonly reporter: RegistryReporter;
  private draining = false;
  private paused = false;
  private deadline = Number.POSITIVE_INFINITY;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private drained: Promise<void> | undefined;
  private resolveStopped!: () => void;

  constructor(
    private readonly deps: WorkerDependencies,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.id;
    this.slots = new Slots(options.slots);
    this.metrics = deps.metrics ?? new WorkerMetrics({ worker: options.id, pool: options.pool });
    this.metrics.slotsTotal.set(options.slots);
    this.stopped = new Promise((resolve) => (this.resolveStopped = resolve));
    this.heartbeat = new Heartbeat(deps.store, deps.queue, { leaseSeconds: options.leaseSeconds, visibilitySeconds: options.visibilitySeconds }, deps.logger);
    this.reporter = new RegistryReporter(deps.registry, () => this.status(), options.reportIntervalMs ?? 5_000, deps.logger);
    this.breaker = new RunBreaker(options.breaker, (state, from) => this.breakerChanged(state, from));
    this.metrics.setBreaker('closed');
    this.agentBreakers = new AgentBreakers(
      (agent) =>
        agentBreakerSettings(deps.executors.definition(agent), { ...options.breaker, errorPercent: options.agentBreakerErrorPercent ?? options.breaker.errorPercent }),
      (agent, state, breaker, from) => this.agentBreakerChanged(agent, state, breaker, from),
    );
    this.handler = new DeliveryHandler({
      workerId: options.id,
      store: deps.store,
      queue: deps.queue,
      executors: deps.executors,
      checkpoints: deps.checkpoints,
      events: new EventWriter(deps.store, { ...DEFAULT_EVENT_LIMITS, ...options.events }, deps.logger),
      heartbeat: this.heartbeat,
      breaker: this.breaker,
      agentBreakers: this.agentBreakers,
      metrics: this.metrics,
      logger: deps.logger,
      onInterrupt: options.onInterrupt,
      finishRetryMs: options.finishRetryMs,
      transitionConcurrency: options.transitionConcurrency,
    });
  }

  async start(): Promise<void> {
    this.unsubscribeCancel = await this.deps.store.onCancelRequested((runId) => this.handler.cancel(runId));
    this.heartbeat.start();
    this.loopLag.start();
    const batch = this.options.receiveBatch ?? 10;
    const receivers = this.options.receivers ?? Math.min(MAX_RECEIVERS, this.options.slots);
    this.receivers = Array.from({ length: Math.max(1, receivers) }, () => this.receiveLoop(batch));
    await this.reporter.start();
    this.deps.logger.info({ worker: this.id, slots: this.options.slots, receivers, queue: this.deps.queue.name }, 'worker started');
  }

  status(): Omit<WorkerStatus, 'seenAt'> {
    const agentBreakers = this.agentBreakers.states();
    return {
      id: this.id,
      pool: this.options.pool,
      slots: this.options.slots,
      busy: this.busy,
      draining: this.draining || this.paused,
      breaker: this.breaker.state,
      ...(Object.keys(agentBreakers).length > 0 ? { agentBreakers } : {}),
      startedAt: this.startedAt,
    };
  }

  /** Drains with the shutdown grace (SIGTERM, SIGINT, scale-in). Resolves when the worker has stopped. */
  stop(reason = 'stop'): Promise<void> {
    return this.drain(reason, Date.now() + this.options.shutdownGraceMs);
  }

  /**
   * Stops pulling and interrupts what still runs at `deadline` (ms since epoch). Calling it again with
   * an earlier deadline (a Spot notice after SIGTERM) moves the deadline; a later one is ignored.
   */
  drain(reason: string, deadline: number): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.metrics.draining.set(1);
      this.deps.logger.info({ reason, running: this.handler.running, graceMs: Math.max(0, deadline - Date.now()) }, 'worker draining');
      this.receiveCycle.abort();
      this.slots.wake();
      this.drained = this.finishDrain();
    }
    if (deadline < this.deadline) {
      this.deadline = deadline;
      if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
      this.deadlineTimer = setTimeout(() => this.interruptAll(reason), Math.max(0, deadline - Date.now()));
    }
    return this.drained!;
  }

  /** Stops taking new runs; running ones go on. Only drain() (or stop()) ends the worker. */
  pause(reason: string): void {
    if (this.paused || this.draining) return;
    this.paused = true;
    this.metrics.draining.set(1);
    this.deps.logger.info({ reason, running: this.handler.running }, 'worker paused: taking no new runs');
    const cycle = this.receiveCycle;
    this.receiveCycle = receiveCycle();
    cycle.abort();
    this.slots.wake();
    void this.reporter.report();
  }

  private async receiveLoop(batch: number): Promise<void> {
    let failures = 0;
    while (!this.draining) {
      const signal = this.receiveCycle.signal;
      const allowed = this.paused ? 0 : this.breaker.allowance(Math.min(batch, this.slots.free));
      if (allowed === 0) {
        await this.slots.changed(signal);
        continue;
      }
      if (this.loopLag.lagging) {
        await this.loopLag.keepingUp(signal);
        continue;
      }
      const probe = this.breaker.state === 'half-open';
      if (probe) this.breaker.takeProbe();
      const taken = this.slots.take(allowed);
      let deliveries: Delivery[];
      try {
        deliveries = await this.deps.queue.receive(taken, { waitSeconds: this.options.receiveWaitSeconds ?? 20, signal });
        failures = 0;
      } catch (error) {
        this.slots.give(taken);
        if (probe) this.breaker.probeInconclusive();
        if (signal.aborted) continue;
        failures += 1;
        const delay = Math.min(RECEIVE_RETRY_MAX_MS, RECEIVE_RETRY_MIN_MS * 2 ** (failures - 1)) * (0.5 + Math.random() / 2);
        if (failures === 1 || failures % 10 === 0) this.deps.logger.warn({ err: error, failures }, 'receive failed; retrying');
        await sleep(delay, signal);
        continue;
      }
      this.slots.give(taken - deliveries.length);
      if (probe && deliveries.length === 0) this.breaker.probeInconclusive();
      // A receive that began before the breaker opened (or the pause) must not start new work after it.
      const refuse = this.draining || this.paused || this.breaker.state === 'open';
      for (const delivery of deliveries) this.handOut(delivery, refuse, probe);
    }
  }

  /**
   * A delivery holds its slot while its agent runs. Recording the outcome and acking the message take
   * round trips but no agent capacity, so once the agent is done the slot goes to the next message,
   * while at most max(`slots`, 256) attempts are being recorded (beyond that the slot waits, as
   * backpressure).
   */
  private handOut(delivery: Delivery, refuse: boolean, probe: boolean): void {
    let slotHeld = true;
    let recording = false;
    const freeSlot = () => {
      if (!slotHeld) return;
      slotHeld = false;
      this.slots.give(1);
      this.metrics.slotsBusy.set(this.busy);
    };
    const agentDone = () => {
      if (this.recording >= Math.max(this.options.slots, MIN_RECORDING_CAPACITY)) return;
      recording = true;
      this.recording += 1;
      freeSlot();
    };
    const handling = refuse ? this.handler.handBack(delivery) : this.handler.handle(delivery, probe, agentDone);
    this.handling.add(handling);
    this.metrics.slotsBusy.set(this.busy);
    void handling.then(() => {
      this.handling.delete(handling);
      if (recording) this.recording -= 1;
      freeSlot();
      this.metrics.slotsBusy.set(this.busy);
    });
  }

  /** Deliveries whose agent has not finished yet (running, starting, or being handed back). */
  private get busy(): number {
    return this.handling.size - this.recording;
  }

  private interruptAll(reason: string): void {
    const running = this.handler.running;
    if (running > 0) this.deps.logger.warn({ reason, interrupted: running }, 'drain deadline reached; interrupting runs still in progress');
    this.handler.interruptAll();
  }

  private async finishDrain(): Promise<void> {
    await Promise.all(this.receivers);
    while (this.handling.size > 0) await Promise.all([...this.handling]);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.heartbeat.stop();
    this.loopLag.stop();
    this.breaker.shutdown();
    this.agentBreakers.shutdown();
    await this.unsubscribeCancel?.().catch(() => undefined);
    await this.reporter.leave(this.id);
    this.deps.logger.info({ worker: this.id }, 'worker stopped');
    this.resolveStopped();
  }

  private breakerChanged(state: BreakerState, from: BreakerState): void {
    this.metrics.setBreaker(state);
    if (state === 'open' && !this.draining) {
      const cycle = this.receiveCycle;
      this.receiveCycle = receiveCycle();
      cycle.abort();
    }
    if (state === 'open' && from === 'half-open') {
      this.deps.logger.warn({ worker: this.id, breaker: state }, 'circuit breaker probe failed: open again for the cooldown');
    } else if (state === 'open') {
      this.raise(breakerAlert({ alert: 'worker_circuit_open', worker: this.id }, this.breaker.window, this.options.breaker, new Date()));
    } else {
      this.deps.logger.info({ worker: this.id, breaker: state }, state === 'half-open' ? 'circuit breaker half-open: one probe run' : 'circuit breaker closed: taking work again');
    }
    this.slots.wake();
    void this.reporter.report();
  }

  private agentBreakerChanged(agent: string, state: BreakerState, breaker: RunBreaker, from: BreakerState): void {
    this.metrics.setAgentBreaker(agent, state);
    if (state === 'open' && from === 'half-open') {
      this.deps.logger.warn({ worker: this.id, agent, breaker: state }, `agent ${agent}'s breaker probe failed: open again for the cooldown`);
    } else if (state === 'open') {
      this.raise(breakerAlert({ alert: 'agent_circuit_open', worker: this.id, agent }, breaker.window, breaker.options, new Date()));
    } else {
      this.deps.logger.info(
        { worker: this.id, agent, breaker: state },
        state === 'half-open' ? `agent ${agent}'s breaker half-open: one probe run` : `agent ${agent}'s breaker closed: its runs go ahead`,
      );
    }
    void this.reporter.report();
  }

  /** A breaker opened: an error log line, a count on /metrics and, when configured, an SNS message. */
  private raise(alert: BreakerAlert): void {
    this.deps.logger.error(alert, alertSummary(alert));
    this.metrics.breakerOpened.inc({ scope: alert.agent === undefined ? 'platform' : 'agent', agent: alert.agent ?? '' });
    this.deps.alerts?.publish(alert);
  }
}

/** Every receiver (and the driver's receive call) listens on the cycle's signal: dozens of listeners are expected. */
function receiveCycle(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
