import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withRedis } from '../redis.js';

/**
 * API keys: each belongs to one tenant and only its SHA-256 is stored. Each key also has an id
 * (`key_…`, random, safe to show and log) by which it is listed and revoked.
 *
 *   af:apikey:<sha256 hex>   string  {id, tenant, createdAt}: what a request's key is looked up by
 *   af:apikeys               hash    id → sha256 hex: the index `keys list` and `keys revoke` use
 *   af:apikeys:last-used     hash    id → ISO time the key was last seen (written at most once a
 *                                    minute per key per API process, see CachedKeyVerifier)
 *   af:apikey:revoked        pub/sub channel: ids of revoked keys, so every API process drops them
 *                                    from its cache at once
 *
 *
 * Why SHA-256 and not bcrypt/scrypt: keys made by `create` carry 256 random bits and bootstrap keys
 * need at least 16 characters, so guessing a key from its hash is hopeless however fast the hash is.
 * Slow hashes exist to protect low-entropy passwords; here they would only cost ~100 ms of CPU per
 * uncached request, and their per-hash salt would rule out finding a key by its hash in one GET.
 * A Redis outage surfaces as DependencyUnavailableError.
 */

export const API_KEY_PREFIX = 'af_';
const KEY_ID_PREFIX = 'key_';
const MIN_KEY_LENGTH = 16;
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const INDEX = 'af:apikeys';
const LAST_USED = 'af:apikeys:last-used';
export const KEY_REVOCATIONS_CHANNEL = 'af:apikey:revoked';

export interface ApiKeyRecord {
  id: string;
  tenant: string;
  createdAt: string;
}

/** What a verified key stands for. */
export interface KeyIdentity {
  id: string;
  tenant: string;
}

/** What `keys list` shows: never the key, never its hash. */
export interface ApiKeySummary extends ApiKeyRecord {
  /** null until the key has been used. */
  lastUsedAt: string | null;
}

export class InvalidTenantError extends Error {
  override readonly name = 'InvalidTenantError';
  constructor(readonly tenant: string) {
    super(`tenant "${tenant.slice(0, 80)}" must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit`);
  }
}

export class InvalidApiKeyError extends Error {
  override readonly name = 'InvalidApiKeyError';
}

/** The key is already registered to another tenant; moving it silently would hand that tenant's runs over. */
export class ApiKeyConflictError extends Error {
  override readonly name = 'ApiKeyConflictError';
  constructor(readonly tenant: string) {
    super(`this API key is already registered to another tenant (not "${tenant}")`);
  }
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: a recognisable prefix (so leaked keys are easy to scan for) and 256 random bits. */
export function generateApiKey(): string {
  return API_KEY_PREFIX + randomBytes(32).toString('base64url');
}

function newKeyId(): string {
  return KEY_ID_PREFIX + randomBytes(8).toString('hex');
}

function assertTenant(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant)) throw new InvalidTenantError(tenant);
}

export class KeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Makes a key for `tenant` and returns it; it cannot be read back later, only verified. */
  async create(tenant: string): Promise<{ id: string; tenant: string; key: string }> {
    assertTenant(tenant);
    const key = generateApiKey();
    const record = this.record(tenant);
    const hash = hashApiKey(key);
    await withRedis(() => this.redis.multi().set(recordKey(hash), JSON.stringify(record), 'NX').hset(INDEX, record.id, hash).exec());
    return { id: record.id, tenant, key };
  }

  /**
   * Registers a key chosen elsewhere (AGENTFLEET_BOOTSTRAP_KEYS). Registering the same pair again is a
   * no-op (it keeps its id), so every API process can do it at start.
   */
  async register(tenant: string, key: string): Promise<void> {
    assertTenant(tenant);
    if (key.length < MIN_KEY_LENGTH) throw new InvalidApiKeyError(`API keys need at least ${MIN_KEY_LENGTH} characters`);
    const hash = hashApiKey(key);
    let record = this.record(tenant);
    const stored = await withRedis(() => this.redis.set(recordKey(hash), JSON.stringify(record), 'NX', 'GET'));
    if (stored !== null) {
      const existing = JSON.parse(stored) as Partial<ApiKeyRecord>;
      if (existing.tenant !== tenant) throw new ApiKeyConflictError(tenant);
      // Registered before keys had ids: give it one, keeping its creation time.
      record = existing.id === undefined ? { ...record, createdAt: existing.createdAt ?? record.createdAt } : (existing as ApiKeyRecord);
      if (existing.id === undefined) await withRedis(() => this.redis.set(recordKey(hash), JSON.stringify(record), 'XX'));
    }
    // Also repairs an index entry lost between the two writes of an earlier start.
    await withRedis(() => this.redis.hsetnx(INDEX, record.id, hash));
  }

  /** Who the key belongs to, or undefined for an unknown (or revoked) key. */
  async verify(key: string): Promise<KeyIdentity | undefined> {
    const stored = await withRedis(() => this.redis.get(recordKey(hashApiKey(key))));
    if (stored === null) return undefined;
    const { id, tenant } = JSON.parse(stored) as ApiKeyRecord;
    return { id, tenant };
  }

  /** Records that the key was used at `at`. */
  async touch(id: string, at: Date): Promise<void> {
    await withRedis(() => this.redis.hset(LAST_USED, id, at.toISOString()));
  }

  /** Every key (of `tenant`, when given), oldest first. */
  async list(tenant?: string): Promise<ApiKeySummary[]> {
    const index = await withRedis(() => this.redis.hgetall(INDEX));
    const ids = Object.keys(index);
    if (ids.length === 0) return [];
    const [records, lastUsed] = await withRedis(() =>
      Promise.all([this.redis.mget(ids.map((id) => recordKey(index[id]!))), this.redis.hmget(LAST_USED, ...ids)]),
    );
    const summaries: ApiKeySummary[] = [];
    records.forEach((stored, i) => {
      if (stored === null) return;
      const record = JSON.parse(stored) as ApiKeyRecord;
      if (tenant === undefined || record.tenant === tenant) summaries.push({ ...record, lastUsedAt: lastUsed[i] ?? null });
    });
    return summaries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  /**
   * Deletes the key and tells every API process (KEY_REVOCATIONS_CHANNEL) in the same transaction.
   * Returns the revoked key's record, or undefined when no key has that id.
   */
  async revoke(id: string): Promise<ApiKeyRecord | undefined> {
    const hash = await withRedis(() => this.redis.hget(INDEX, id));
    if (hash === null) return undefined;
    const replies = await withRedis(() =>
      this.redis.multi().getdel(recordKey(hash)).hdel(INDEX, id).hdel(LAST_USED, id).publish(KEY_REVOCATIONS_CHANNEL, id).exec(),
    );
    const stored = replies?.[0]?.[1];
    return typeof stored === 'string' ? (JSON.parse(stored) as ApiKeyRecord) : undefined;
  }

  private record(tenant: string): ApiKeyRecord {
    return { id: newKeyId(), tenant, createdAt: this.now().toISOString() };
  }
}

function recordKey(hash: string): string {
  return `af:apikey:${hash}`;
}
