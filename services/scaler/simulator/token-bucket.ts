/** An API rate limit as AWS describes it: a bucket of `burst` tokens refilled at `perSecond`. */
/** Float sums of refills fall a hair short of a whole token; without slack a retry could never get it. */
const SLACK = 1e-9;

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes up to `wanted` whole tokens now; answers how many it got. */
  take(wanted: number, now: number): number {
    this.refill(now);
    const granted = Math.max(0, Math.min(wanted, Math.floor(this.tokens + SLACK)));
    this.tokens -= granted;
    return granted;
  }

  /** When the next whole token is there. */
  nextTokenAt(now: number): number {
    this.refill(now);
    return this.tokens + SLACK >= 1 ? now : now + (1 - this.tokens) / this.perSecond;
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + (now - this.updatedAt) * this.perSecond);
    this.updatedAt = now;
  }
}
