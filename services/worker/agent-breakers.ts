import { DEFAULT_BREAKER_COUNTS, type AgentFailureClass, type CatalogAgent } from '../core/agents/catalog.js';
import { RunBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import { agentVerdict, type AttemptClass } from './failure-class.js';

/**
 * One breaker per agent, made on the first outcome that counts for it (issue 11): when agent A's
 * breaker is open the worker hands A's deliveries back with a delay and keeps running everyone
 * else's. Half-open lets one of A's runs through as the probe. The decisions (what counts, how long a
 * delivery waits) are pure functions; the class only keeps the breakers.
 */

export interface AgentBreakerSettings {
  counts: readonly AgentFailureClass[];
  thresholds: BreakerOptions;
}

/** The agent's `breaker` from the agents file over the worker's BREAKER_* defaults. */
export function agentBreakerSettings(definition: CatalogAgent | undefined, defaults: BreakerOptions): AgentBreakerSettings {
  const { counts, ...overrides } = definition?.breaker ?? {};
  return { counts: counts ?? DEFAULT_BREAKER_COUNTS, thresholds: { ...defaults, ...overrides } };
}

export type Admission = { kind: 'run'; probe: boolean } | { kind: 'hold'; delayMs: number };

/** Hand-backs come back no sooner than this, so a breaker about to turn half-open is not polled in a loop. */
export const MIN_HOLD_MS = 1_000;

/**
 * How long a held delivery stays away: until the breaker turns half-open (while a probe is out, the
 * whole cooldown: a probe may run long, and held runs must not cycle through the queue meanwhile) and
 * at least MIN_HOLD_MS, plus up to a tenth of the cooldown (at least
 * MIN_HOLD_MS) of jitter so the held runs do not all return in the same second. `random` is in [0, 1).
 */
export function holdDelayMs(state: BreakerState, reopensInMs: number, cooldownSeconds: number, random: number): number {
  const cooldownMs = cooldownSeconds * 1000;
  const base = state === 'open' ? reopensInMs : cooldownMs;
  const jitter = random * Math.max(MIN_HOLD_MS, cooldownMs / 10);
  return Math.round(Math.max(MIN_HOLD_MS, base) + jitter);
}

export type AgentBreakerChange = (agent: string, state: BreakerState, breaker: RunBreaker, from: BreakerState) => void;

export class AgentBreakers {
  private readonly breakers = new Map<string, RunBreaker>();

  constructor(
    private readonly settingsFor: (agent: string) => AgentBreakerSettings,
    private readonly onChange: AgentBreakerChange,
    private readonly random: () => number = Math.random,
  ) {}

  /** Whether a delivery of `agent` may start now; a probe must end in `record` or `probeInconclusive`. */
  admit(agent: string): Admission {
    const breaker = this.breakers.get(agent);
    if (!breaker || breaker.state === 'closed') return { kind: 'run', probe: false };
    if (breaker.allowance(1) === 1) {
      breaker.takeProbe();
      return { kind: 'run', probe: true };
    }
    return { kind: 'hold', delayMs: holdDelayMs(breaker.state, breaker.reopensInMs, breaker.options.cooldownSeconds, this.random()) };
  }

  /** An attempt of `agent` finished (or could not be begun or recorded) as `attempt`. */
  record(agent: string, attempt: AttemptClass, probe: boolean): void {
    const verdict = agentVerdict(attempt, this.settingsFor(agent).counts);
    if (verdict === 'ignore') {
      if (probe) this.probeInconclusive(agent);
      return;
    }
    this.breakerFor(agent).record(verdict, probe);
  }

  /** The probe ended without saying anything about the agent: let another through. */
  probeInconclusive(agent: string): void {
    this.breakers.get(agent)?.probeInconclusive();
  }

  /** States of the agents that have a breaker (those that had a counted outcome). */
  states(): Record<string, BreakerState> {
    return Object.fromEntries([...this.breakers].map(([agent, breaker]) => [agent, breaker.state]));
  }

  shutdown(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
  }

  private breakerFor(agent: string): RunBreaker {
    let breaker = this.breakers.get(agent);
    if (!breaker) {
      const made = new RunBreaker(this.settingsFor(agent).thresholds, (state, from) => this.onChange(agent, state, made, from));
      this.breakers.set(agent, made);
      breaker = made;
    }
    return breaker;
  }
}
