import type { Logger } from '../core/logger.js';
import type { Delivery, QueueDriver } from '../core/queue/contract.js';
import { encodeRunMessage, parseRunMessage, type RunMessage } from '../core/queue/message.js';
import type { AttemptReport, FinishResult, Lease, RunStore } from '../core/run/store.js';
import type { AgentExecutors } from './agents/agent-executors.js';
import { ConcurrencyLimit } from './concurrency-limit.js';
import { AgentErrorType, agentError, type AgentContext, type AgentOutcome } from './agents/executor.js';
import { attemptReport, delaySeconds, type AbortReason } from './attempt-report.js';
import type { AgentBreakers } from './agent-breakers.js';
import type { RunBreaker } from './breaker.js';
import { classifyAttempt, platformVerdict, type AttemptClass } from './failure-class.js';
import { CheckpointTooLargeError, type CheckpointStore } from './checkpoint-store.js';
import type { Heartbeat, KeptAttempt } from './heartbeat.js';
import type { WorkerMetrics } from './metrics.js';
import type { AttemptEvents, EventWriter } from './run-events.js';

/**
 * One delivery's life (DESIGN §6): parse it (poison → dead-letter queue, and on to the next), hand it
 * back unstarted while its agent's breaker is open (a fresh message, so no attempt is spent), begin
 * the attempt it asks for in the run store (a run already finished → ack; held by a live lease
 * elsewhere → hand the delivery back for later, a watchdog copy), execute the agent under heartbeat,
 * timeout and cancel, then tell the store how it ended and do with the delivery what the store says:
 * ack it, release it with the retry's body and backoff, (interrupted with onInterrupt "dead-letter")
 * dead-letter it, or hand it back as it is when the run's record is gone for good (its redelivery
 * rebuilds the run). Each outcome is classified (failure-class.ts) for the platform breaker and the
 * agent's.
 */

export type InterruptPolicy = 'release' | 'dead-letter';

export interface DeliveryHandlerDependencies {
  workerId: string;
  store: RunStore;
  queue: QueueDriver;
  executors: AgentExecutors;
  checkpoints: CheckpointStore;
  events: EventWriter;
  heartbeat: Heartbeat;
  /** The platform breaker: the worker stops pulling while it is open. */
  breaker: RunBreaker;
  agentBreakers: AgentBreakers;
  metrics: WorkerMetrics;
  logger: Logger;
  onInterrupt: InterruptPolicy;
  /** How long to keep trying to record a finished attempt while the store fails. @defaultValue 60000 */
  finishRetryMs?: number;
  /** Run-store transitions (start, finish) in flight at once. @defaultValue 32 */
  transitionConcurrency?: number;
  clock?: () => number;
}

/** Which breakers' half-open probe a delivery still holds: the platform's, and (by name) its agent's. Cleared once given back. */
interface Probes {
  platform: boolean;
  agent: string | undefined;
}

/** When the store cannot begin an attempt, the delivery comes back after this long. */
const STORE_UNAVAILABLE_RELEASE_SECONDS = 5;
const FINISH_RETRY_MS = 60_000;
/** setTimeout's ceiling (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An attempt whose agent is running on this worker. */
export class ActiveAttempt implements KeptAttempt {
  reason: AbortReason | undefined;
  /** The run store refused a checkpoint (Redis failing, not a checkpoint too large): see classifyAttempt. */
  checkpointRefused = false;
  private readonly controller = new AbortController();
  private settled = false;

  constructor(
    readonly lease: Lease,
    readonly delivery: Delivery,
    readonly message: RunMessage,
    readonly startedAt: number,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The first reason wins; an agent that already finished is not aborted. */
  abort(reason: AbortReason): void {
    if (this.reason || this.settled) return;
    this.reason = reason;
    this.controller.abort(reason);
  }

  /** The agent finished: from here its outcome stands. */
  settle(): void {
    this.settled = true;
  }

  onLeaseLost(): void {
    this.abort('lease_lost');
  }

  onCancelRequested(): void {
    this.abort('cancel');
  }
}

export class DeliveryHandler {
  /** Attempts running on this worker, by run id (a run has at most one live lease). */
  private readonly active = new Map<string, ActiveAttempt>();
  /** Set once the drain deadline has passed: deliveries still in hand are handed back unstarted. */
  private interrupting = false;
  private readonly clock: () => number;
  private readonly transitions: ConcurrencyLimit;

  constructor(private readonly deps: DeliveryHandlerDependencies) {
    this.clock = deps.clock ?? Date.now;
    this.transitions = new ConcurrencyLimit(deps.transitionConcurrency ?? 32);
  }

  /**
   * Never rejects: every failure is logged and leaves the delivery to the queue's redelivery.
   * `agentDone` is called once the agent has finished, before its outcome is recorded.
   */
  async handle(delivery: Delivery, probe = false, agentDone: () => void = () => undefined): Promise<void> {
    const probes: Probes = { platform: probe, agent: undefined };
    try {
      await this.process(delivery, probes, agentDone);
    } catch (error) {
      this.deps.logger.error({ err: error, messageId: delivery.id }, 'delivery handling failed; the queue will redeliver it');
      // A probe left taken would keep its breaker half-open with nothing let through, for good.
      this.inconclusive(probes);
    }
  }

  /** Agents running on this worker now. */
  get running(): number {
    return this.active.size;
  }

  /** A cancel request for `runId` (from any API process): its agent, if it runs here, is signalled. */
  cancel(runId: string): void {
    this.active.get(runId)?.abort('cancel');
  }

  /**
   * The drain deadline has passed: every running agent is signalled and its delivery handed back as
   * `interrupted`; deliveries still in hand are handed back unstarted from now on.
   */
  interruptAll(): void {
    this.interrupting = true;
    for (const attempt of [...this.active.values()]) attempt.abort('interrupt');
  }

  /** Hands a delivery back at once without starting it (draining). */
  async handBack(delivery: Delivery): Promise<void> {
    await this.quietly('release', delivery.id, () => this.deps.queue.release(delivery, { delaySeconds: 0 }));
  }

  private async process(delivery: Delivery, probes: Probes, agentDone: () => void): Promise<void> {
    const { store, queue, metrics, logger, workerId } = this.deps;
    const parsed = parseRunMessage(delivery.body);
    if (!parsed.ok) {
      metrics.poisonMessages.inc();
      logger.warn({ messageId: delivery.id, reason: parsed.reason, receiveCount: delivery.receiveCount }, 'poison message sent to the dead-letter queue');
      await queue.deadLetter(delivery, parsed.reason);
      return this.inconclusive(probes);
    }
    if (this.interrupting) return this.handBack(delivery);

    const message = parsed.message;
    const admission = this.deps.agentBreakers.admit(message.agent);
    if (admission.kind === 'hold') {
      metrics.deliveriesDropped.inc({ reason: 'agent_breaker' });
      logger.debug({ runId: message.runId, agent: message.agent, delayMs: admission.delayMs }, "agent's breaker open; delivery handed back unstarted");
      // A fresh message: a run waiting out its agent's breaker spends neither an attempt nor a receive count.
      await this.quietly('release', delivery.id, () =>
        queue.release(delivery, { delaySeconds: delaySeconds(admission.delayMs), body: delivery.body }),
      );
      return this.inconclusive(probes);
    }
    if (admission.probe) probes.agent = message.agent;
    let start;
    try {
      start = await this.transitions.run(() => store.startAttempt(message, workerId));
    } catch (error) {
      logger.error({ err: error, runId: message.runId }, 'could not begin an attempt; the delivery comes back later');
      this.record(message.agent, probes, 'platform');
      await this.quietly('release', delivery.id, () => queue.release(delivery, { delaySeconds: STORE_UNAVAILABLE_RELEASE_SECONDS }));
      return;
    }
    switch (start.kind) {
      case 'finished':
        metrics.deliveriesDropped.inc({ reason: 'finished' });
        logger.debug({ runId: message.runId, status: start.run.status }, 'duplicate delivery of a finished run dropped');
        await this.quietly('ack', delivery.id, () => queue.ack(delivery));
        return this.inconclusive(probes);
      case 'busy':
        metrics.deliveriesDropped.inc({ reason: 'busy' });
        logger.debug({ runId: message.runId, retryAfterMs: start.retryAfterMs }, 'run held by another worker; delivery handed back as a watchdog copy');
        // Sent as a fresh message, so the queue's redelivery counter (and its redrive to the DLQ) counts only crashes.
        await this.quietly('release', delivery.id, () =>
          queue.release(delivery, { delaySeconds: delaySeconds(start.retryAfterMs), body: delivery.body }),
        );
        return this.inconclusive(probes);
      case 'early':
        metrics.deliveriesDropped.inc({ reason: 'early' });
        // A fresh message again: a delay longer than the queue's cap takes several hand-backs, which must not count as crashes.
        await this.quietly('release', delivery.id, () =>
          queue.release(delivery, { delaySeconds: delaySeconds(start.retryAfterMs), body: delivery.body }),
        );
        return this.inconclusive(probes);
      case 'started':
        return this.execute(delivery, message, start.lease, probes, agentDone);
    }
  }

  private async execute(delivery: Delivery, message: RunMessage, lease: Lease, probes: Probes, agentDone: () => void): Promise<void> {
    const attempt = new ActiveAttempt(lease, delivery, message, this.clock());
    this.active.set(lease.runId, attempt);
    this.deps.heartbeat.track(attempt);
    // Whatever happens from here, the attempt stops being renewed: a run left tracked after a worker
    // bug would keep its lease and hide its message for good instead of coming back to the queue.
    try {
      await this.runAndSettle(attempt, probes, agentDone);
    } finally {
      this.forget(attempt);
    }
  }

  private async runAndSettle(attempt: ActiveAttempt, probes: Probes, agentDone: () => void): Promise<void> {
    const { metrics, logger } = this.deps;
    const { delivery, message, lease } = attempt;
    metrics.attemptsStarted.inc();
    if (this.interrupting) attempt.abort('interrupt');
    const timeout = setTimeout(() => attempt.abort('timeout'), Math.min(message.timeoutSeconds * 1000, MAX_TIMER_MS));
    const events = this.deps.events.forAttempt(lease.runId);
    let outcome: AgentOutcome;
    try {
      outcome = await this.runAgent(attempt, events);
    } catch (error) {
      // Executors never reject; this is a bug in the worker, reported on the run rather than hidden.
      logger.error({ err: error, runId: lease.runId }, 'agent execution failed unexpectedly');
      outcome = agentError(AgentErrorType.workerError, `the worker failed to run the agent: ${(error as Error).message}`);
    } finally {
      clearTimeout(timeout);
    }
    attempt.settle();
    agentDone();
    metrics.eventsDropped.inc(events.close());
    const report = attemptReport(attempt.reason, outcome);

    if (!report) {
      logger.warn({ runId: lease.runId, attempt: lease.attempt }, 'lease lost to another attempt; agent stopped, nothing reported');
      this.forget(attempt);
      metrics.finished('lost', (this.clock() - attempt.startedAt) / 1000);
      await this.quietly('ack', delivery.id, () => this.deps.queue.ack(delivery));
      return this.inconclusive(probes);
    }

    const finish = await this.finish(lease, report);
    // Before the ack or release: a later visibility extension must not hide a message handed back at once.
    this.forget(attempt);
    if (finish) await this.settleDelivery(attempt, report, finish);
    metrics.finished(report.outcome, (this.clock() - attempt.startedAt) / 1000);
    const attemptClass = classifyAttempt(report, attempt.checkpointRefused);
    // An outcome that could not be recorded is the platform failing, whatever the agent did; the agent's breaker still hears the agent.
    this.record(message.agent, probes, attemptClass, finish ? platformVerdict(attemptClass) : 'failure');
  }

  private async runAgent(attempt: ActiveAttempt, events: AttemptEvents): Promise<AgentOutcome> {
    const { message, lease } = attempt;
    const executor = this.deps.executors.get(message.agent);
    if (!executor) {
      return agentError(AgentErrorType.unknownAgent, `agent "${message.agent}" is not in this worker's AGENTS_FILE`, false);
    }
    const lastCheckpoint = lease.attempt > 1 ? await this.loadCheckpoint(lease.runId) : undefined;
    const ctx: AgentContext = {
      runId: lease.runId,
      attempt: lease.attempt,
      input: message.input,
      signal: attempt.signal,
      lastCheckpoint,
      log: (text, fields) => events.log(text, fields),
      progress: (data) => events.progress(data),
      checkpoint: (data) => this.saveCheckpoint(attempt, data, events),
    };
    return executor.execute(ctx);
  }

  private async loadCheckpoint(runId: string): Promise<unknown> {
    try {
      return await this.deps.checkpoints.load(runId);
    } catch (error) {
      this.deps.logger.warn({ err: error, runId }, 'could not load the last checkpoint; the agent starts without it');
      return undefined;
    }
  }

  private async saveCheckpoint(attempt: ActiveAttempt, data: unknown, events: AttemptEvents): Promise<void> {
    const { runId } = attempt.lease;
    try {
      await this.deps.checkpoints.save(runId, data);
    } catch (error) {
      if (error instanceof CheckpointTooLargeError) events.log(error.message, { checkpoint: 'rejected' });
      else {
        this.deps.logger.warn({ err: error, runId }, 'could not save a checkpoint');
        attempt.checkpointRefused = true;
      }
      throw error;
    }
  }

  /**
   * Records the outcome, retrying while the store fails (a finished run's result is worth waiting
   * for). Undefined when it kept failing: the delivery is then left alone, its lease lapses and the
   * run is retaken by another attempt.
   */
  private async finish(lease: Lease, report: AttemptReport): Promise<FinishResult | undefined> {
    const giveUpAt = this.clock() + (this.deps.finishRetryMs ?? FINISH_RETRY_MS);
    for (let tries = 0; ; tries++) {
      try {
        return await this.transitions.run(() => this.deps.store.finishAttempt(lease, report));
      } catch (error) {
        if (this.clock() >= giveUpAt) {
          this.deps.logger.error({ err: error, runId: lease.runId, outcome: report.outcome }, 'could not record the attempt; giving up, the run will be retaken when its lease lapses');
          this.deps.store.abandonAttempt(lease);
          return undefined;
        }
        if (tries === 0) this.deps.logger.warn({ err: error, runId: lease.runId }, 'could not record the attempt yet; retrying');
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 200 * 2 ** tries)));
      }
    }
  }

  private async settleDelivery(attempt: ActiveAttempt, report: AttemptReport, finish: FinishResult): Promise<void> {
    const { queue, logger, onInterrupt } = this.deps;
    const { delivery, lease } = attempt;
    switch (finish.kind) {
      case 'done':
        logger.debug({ runId: lease.runId, attempt: lease.attempt, status: finish.run.status }, 'run finished');
        return this.quietly('ack', delivery.id, () => queue.ack(delivery));
      case 'lost':
        logger.warn({ runId: lease.runId, attempt: lease.attempt }, 'lease lost before the outcome was recorded');
        return this.quietly('ack', delivery.id, () => queue.ack(delivery));
      case 'missing':
        // Acking would lose the run: its message is all that is left of it (DESIGN §6).
        logger.warn(
          { runId: lease.runId, attempt: lease.attempt, outcome: report.outcome },
          "the run's record is gone and could not be restored; delivery handed back so that it rebuilds the run",
        );
        await this.deps.heartbeat.extensionSettled(attempt);
        return this.quietly('release', delivery.id, () => queue.release(delivery, { delaySeconds: 0 }));
      case 'retry':
        if (report.outcome === 'interrupted' && onInterrupt === 'dead-letter') {
          logger.warn({ runId: lease.runId }, 'interrupted run dead-lettered (onInterrupt=dead-letter)');
          return this.quietly('deadLetter', delivery.id, () => queue.deadLetter(delivery, `interrupted on worker ${this.deps.workerId}`));
        }
        logger.debug({ runId: lease.runId, outcome: report.outcome, delayMs: finish.delayMs }, 'run queued again');
        return this.quietly('release', delivery.id, () =>
          queue.release(delivery, { delaySeconds: delaySeconds(finish.delayMs), body: encodeRunMessage(finish.message) }),
        );
    }
  }

  private forget(attempt: ActiveAttempt): void {
    this.deps.heartbeat.untrack(attempt);
    if (this.active.get(attempt.lease.runId) === attempt) this.active.delete(attempt.lease.runId);
  }

  /** Gives back the probes the delivery still holds, once: a second give-back could free another delivery's probe. */
  private inconclusive(probes: Probes): void {
    if (probes.platform) this.deps.breaker.probeInconclusive();
    if (probes.agent !== undefined) this.deps.agentBreakers.probeInconclusive(probes.agent);
    probes.platform = false;
    probes.agent = undefined;
  }

  /** Tells both breakers how the attempt went; a probe whose outcome says nothing lets the next one through. */
  private record(agent: string, probes: Probes, attemptClass: AttemptClass, platform = platformVerdict(attemptClass)): void {
    const { platform: platformProbe, agent: agentProbe } = probes;
    probes.platform = false;
    probes.agent = undefined;
    this.deps.breaker.record(platform, platformProbe);
    if (platform === 'ignore' && platformProbe) this.deps.breaker.probeInconclusive();
    this.deps.agentBreakers.record(agent, attemptClass, agentProbe !== undefined);
  }

  /** A failed queue call is not fatal: the message comes back when its visibility lapses and the store drops the duplicate. */
  private async quietly(operation: string, messageId: string, call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (error) {
      this.deps.logger.warn({ err: error, messageId, operation }, 'queue call failed; the message will be redelivered and deduplicated');
    }
  }
}
