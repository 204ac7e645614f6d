import type { KeyIdentity } from '../core/auth/key-store.js';

/** Finds who a bearer key belongs to (KeyStore in services/core/auth implements it). */
export interface KeyVerifier {
  verify(key: string): Promise<KeyIdentity | undefined>;
}

/** KeyStore as the cache uses it: verify, and record last use. */
export interface KeySource extends KeyVerifier {
  touch(id: string, at: Date): Promise<void>;
}

export interface KeyCacheOptions {
  /** How long a verified key is trusted without asking Redis again (a backstop; revocations arrive by pub/sub). @defaultValue 30000 */
  ttlMs?: number;
  /** Bound on cached keys; the oldest entry is dropped past it. @defaultValue 10000 */
  maxEntries?: number;
  /** A key's last use is written at most this often per process. @defaultValue 60000 */
  touchEveryMs?: number;
}

/**
 * Remembers verified keys so accepting a run costs no extra Redis round trip, and records each key's
 * last use at most once a minute. Unknown keys are not remembered: a key created a moment ago must
 * work at once, and a wrong key costs one GET.
 *
 * A revoked key must be refused at once by every API process, so the cache is trusted only while
 * revocations are being heard (key-revocations.ts calls `listening(true)` once subscribed): a revoked
 * id is dropped the moment its message arrives, and while the subscription is down nothing is cached
 * (every request asks Redis), since a message sent then would be missed.
 */
export class CachedKeyVerifier implements KeyVerifier {
  private readonly cache = new Map<string, KeyIdentity & { expiresAt: number }>();
  private readonly touchedAt = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly touchEveryMs: number;
  private live = false;
  /** Bumped by every revocation: a lookup that overlapped one does not cache its (maybe stale) answer. */
  private revocations = 0;

  constructor(
    private readonly keys: KeySource,
    private readonly now: () => number,
    private readonly onTouchFailure: (error: unknown) => void = () => undefined,
    options: KeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.touchEveryMs = options.touchEveryMs ?? 60_000;
  }

  async verify(key: string): Promise<KeyIdentity | undefined> {
    const cached = this.live ? this.cache.get(key) : undefined;
    const identity = cached && cached.expiresAt > this.now() ? { id: cached.id, tenant: cached.tenant } : await this.lookUp(key);
    if (identity !== undefined) this.touch(identity.id);
    return identity;
  }

  /**
   * Whether revocations are being heard. Either way the cache starts empty: going deaf, messages may be
   * missed from then on; hearing again, some may have been missed before.
   */
  listening(live: boolean): void {
    this.live = live;
    this.revocations += 1;
    this.cache.clear();
  }

  /** Drops every cached key with this id (a revocation). */
  revoked(id: string): void {
    this.revocations += 1;
    for (const [key, entry] of this.cache) if (entry.id === id) this.cache.delete(key);
    this.touchedAt.delete(id);
  }

  private async lookUp(key: string): Promise<KeyIdentity | undefined> {
    const revocationsBefore = this.revocations;
    const identity = await this.keys.verify(key);
    this.cache.delete(key);
    if (identity !== undefined && this.live && this.revocations === revocationsBefore) {
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { ...identity, expiresAt: this.now() + this.ttlMs });
    }
    return identity;
  }

  /** Not awaited: the answer never waits for bookkeeping, and a failed write is retried on the next use a minute on. */
  private touch(id: string): void {
    const at = this.now();
    if (at - (this.touchedAt.get(id) ?? -Infinity) < this.touchEveryMs) return;
    if (this.touchedAt.size >= this.maxEntries) this.touchedAt.clear();
    this.touchedAt.set(id, at);
    this.keys.touch(id, new Date(at)).catch(this.onTouchFailure);
  }
}
