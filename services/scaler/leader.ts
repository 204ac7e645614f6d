import type { Redis } from 'ioredis';

/**
 * Leader election between scaler replicas: a Redis lease (SET NX PX), renewed every tick, released on
 * stop. Only the holder acts; the others keep deciding nothing until the lease lapses. Renewal and
 * release check the token atomically, so a replica whose lease expired (a long GC pause, a network
 * split) can never renew or delete the lease another replica took meanwhile, and it stops acting
 * on its next tick because `holds` turns false once its own lease time is up.
 */

const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export const LEADER_KEY = 'af:scaler:leader';

export class LeaderLease {
  /** Local time until which this replica may act, measured from before it asked Redis. */
  private validUntil = 0;

  constructor(
    private readonly redis: Redis,
    /** Unique per replica (host, pid, random). */
    readonly holder: string,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly key = LEADER_KEY,
  ) {}

  /** Takes the lease if free, renews it if ours; true while this replica leads. */
  async acquireOrRenew(): Promise<boolean> {
    const askedAt = this.clock();
    const renewed = (await this.redis.eval(RENEW, 1, this.key, this.holder, String(this.ttlMs))) === 1;
    const held = renewed || (await this.redis.set(this.key, this.holder, 'PX', this.ttlMs, 'NX')) === 'OK';
    this.validUntil = held ? askedAt + this.ttlMs : 0;
    return held;
  }

  /** True until the lease this replica last took or renewed runs out (by its own clock). */
  holds(): boolean {
    return this.clock() < this.validUntil;
  }

  async release(): Promise<void> {
    this.validUntil = 0;
    await this.redis.eval(RELEASE, 1, this.key, this.holder);
  }

  /** Who leads now, if anyone (for logs and `scaler tick`). */
  async currentHolder(): Promise<string | null> {
    return this.redis.get(this.key);
  }
}
