/** Finds the tenant a bearer key belongs to (KeyStore in services/core/auth implements it). */
export interface KeyVerifier {
  verify(key: string): Promise<string | undefined>;
}

export interface KeyCacheOptions {
  /** How long a verified key is trusted without asking Redis again. @defaultValue 30000 */
  ttlMs?: number;
  /** Bound on cached keys; the oldest entry is dropped past it. @defaultValue 10000 */
  maxEntries?: number;
}

/**
 * Remembers verified keys briefly so accepting a run costs no extra Redis round trip. Unknown keys
 * are not remembered: a key created a moment ago must work at once, and a wrong key costs one GET.
 * The price: a revoked key keeps working on each API process for up to `ttlMs`.
 */
export class CachedKeyVerifier implements KeyVerifier {
  private readonly cache = new Map<string, { tenant: string; expiresAt: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;

  constructor(
    private readonly keys: KeyVerifier,
    private readonly now: () => number,
    options: KeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 30_000;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async verify(key: string): Promise<string | undefined> {
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached.tenant;
    const tenant = await this.keys.verify(key);
    this.cache.delete(key);
    if (tenant !== undefined) {
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(key, { tenant, expiresAt: this.now() + this.ttlMs });
    }
    return tenant;
  }
}
