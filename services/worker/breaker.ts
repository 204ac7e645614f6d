import CircuitBreaker from 'opossum';

/**
 * A circuit breaker over attempt outcomes (brief: "if error_rate > 10% for 5 minutes: stop processing
 * new tasks, alert, retry failed with backoff"). The worker keeps one for the platform (it stops
 * pulling) and one per agent (that agent's runs wait); failure-class.ts decides what each hears.
 * Outcomes are recorded as they finish, over a rolling window; once the window holds at least
 * `minAttempts` outcomes and more than `errorPercent` of them failed, the breaker opens. After
 * `cooldownSeconds` it turns half-open and lets one probe run through: its success closes the breaker,
 * its failure opens it again. Until then only the probe's outcome counts: runs that started before the
 * breaker opened say nothing about whether it should close. A breaker that closes starts over with an
 * empty window. Failed runs themselves are retried with backoff by the run store.
 *
 * opossum keeps the window and the state; this class adds the single probe, when it reopens, and the
 * fresh window on closing.
 */

export interface BreakerOptions {
  /** Opens above this share of failed attempts, in percent (BREAKER_ERROR_PERCENT). */
  errorPercent: number;
  /** The rolling window the share is taken over (BREAKER_WINDOW_SECONDS). */
  windowSeconds: number;
  /** Fewer outcomes than this in the window never open the breaker (BREAKER_MIN_ATTEMPTS). */
  minAttempts: number;
  /** How long the breaker stays open before a probe (BREAKER_COOLDOWN_SECONDS). */
  cooldownSeconds: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export type BreakerVerdict = 'success' | 'failure' | 'ignore';

/** The rolling window's counts, as opossum took its decision: the share is failures over attempts recorded. */
export interface BreakerWindow {
  failures: number;
  attempts: number;
}

class AttemptFailed extends Error {
  override readonly name = 'AttemptFailed';
}

export class RunBreaker {
  private circuit: CircuitBreaker<[boolean], void>;
  private probeTaken = false;
  private openedAt = 0;
  /** The state last reported: opossum also emits 'open' when a half-open probe fails, which is a re-open, not a new alert. */
  private reported: BreakerState = 'closed';

  constructor(
    readonly options: BreakerOptions,
    /** `from`: the state before; an alert belongs to closed → open only. */
    private readonly onChange: (state: BreakerState, from: BreakerState) => void,
    private readonly clock: () => number = Date.now,
  ) {
    for (const [field, value] of Object.entries(options)) {
      if (!(typeof value === 'number' && value >= 0)) throw new RangeError(`breaker.${field}: must be a number ≥ 0, got ${String(value)}`);
    }
    this.circuit = this.closedCircuit();
  }

  /**
   * A closed opossum circuit with an empty window. Made anew each time the breaker closes: opossum
   * keeps the failures that opened it in its window (longer than the cooldown), so the first failure
   * after the probe would open it again at once, with a second alert for the same failing spell.
   */
  private closedCircuit(): CircuitBreaker<[boolean], void> {
    const { options } = this;
    const circuit = new CircuitBreaker(
      async (failed: boolean) => {
        if (failed) throw new AttemptFailed();
      },
      {
        timeout: false,
        errorThresholdPercentage: options.errorPercent,
        rollingCountTimeout: options.windowSeconds * 1000,
        rollingCountBuckets: 10,
        volumeThreshold: options.minAttempts,
        resetTimeout: options.cooldownSeconds * 1000,
        rollingPercentilesEnabled: false,
        enableSnapshots: false,
      },
    );
    circuit.on('open', () => this.changed('open'));
    circuit.on('halfOpen', () => this.changed('half-open'));
    circuit.on('close', () => {
      this.circuit.shutdown();
      this.circuit = this.closedCircuit();
      this.changed('closed');
    });
    return circuit;
  }

  private changed(state: BreakerState): void {
    const from = this.reported;
    this.reported = state;
    this.probeTaken = false;
    if (state === 'open') this.openedAt = this.clock();
    this.onChange(state, from);
  }

  get state(): BreakerState {
    if (this.circuit.closed) return 'closed';
    return this.circuit.halfOpen ? 'half-open' : 'open';
  }

  /** While open: ms until the breaker turns half-open (0 once due); 0 otherwise. */
  get reopensInMs(): number {
    if (this.state !== 'open') return 0;
    return Math.max(0, this.openedAt + this.options.cooldownSeconds * 1000 - this.clock());
  }

  get window(): BreakerWindow {
    const { failures, fires } = this.circuit.stats;
    return { failures, attempts: fires };
  }

  /** How many messages the worker may take now: all it has room for when closed, one probe when half-open. */
  allowance(wanted: number): number {
    const state = this.state;
    if (state === 'closed') return wanted;
    if (state === 'half-open' && !this.probeTaken) return Math.min(1, wanted);
    return 0;
  }

  /** The worker took the half-open probe; no other message until its outcome is known. */
  takeProbe(): void {
    if (this.state === 'half-open') this.probeTaken = true;
  }

  /** The probe ended without a verdict (e.g. cancelled): let another through. */
  probeInconclusive(): void {
    if (this.state === 'half-open') this.probeTaken = false;
  }

  /**
   * An attempt ended. `probe`: it is the half-open probe this breaker handed out; a probe's outcome must
   * say so, or the breaker waits for it for good.
   */
  record(verdict: BreakerVerdict, probe = false): void {
    if (verdict === 'ignore') return;
    // Left to opossum, the first outcome after half-open would decide, whichever run it came from.
    if (this.state !== 'closed' && !probe) return;
    this.circuit.fire(verdict === 'failure').catch(() => undefined);
  }

  shutdown(): void {
    this.circuit.shutdown();
  }
}
