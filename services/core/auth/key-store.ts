import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { withRedis } from '../redis.js';

/**
 * API keys: each belongs to one tenant and only its SHA-256 is stored (`af:apikey:<hex>` → record).
 *
 * Why SHA-256 and not bcrypt/scrypt: keys made by `create` carry 256 random bits and bootstrap keys
 * need at least 16 characters, so guessing a key from its hash is hopeless however fast the hash is.
 * Slow hashes exist to protect low-entropy passwords; here they would only cost ~100 ms of CPU per
 * uncached request, and their per-hash salt would rule out finding a key by its hash in one GET.
 * A Redis outage surfaces as DependencyUnavailableError.
 */

export const API_KEY_PREFIX = 'af_';
const MIN_KEY_LENGTH = 16;
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ApiKeyRecord {
  tenant: string;
  createdAt: string;
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

function assertTenant(tenant: string): void {
  if (!TENANT_PATTERN.test(tenant)) throw new InvalidTenantError(tenant);
}

export class KeyStore {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Makes a key for `tenant` and returns it; it cannot be read back later, only verified. */
  async create(tenant: string): Promise<{ tenant: string; key: string }> {
    assertTenant(tenant);
    const key = generateApiKey();
    await withRedis(() => this.redis.set(redisKey(key), this.record(tenant), 'NX'));
    return { tenant, key };
  }

  /**
   * Registers a key chosen elsewhere (AGENTFLEET_BOOTSTRAP_KEYS). Registering the same pair again is a
   * no-op, so every API process can do it at start.
   */
  async register(tenant: string, key: string): Promise<void> {
    assertTenant(tenant);
    if (key.length < MIN_KEY_LENGTH) throw new InvalidApiKeyError(`API keys need at least ${MIN_KEY_LENGTH} characters`);
    const stored = await withRedis(() => this.redis.set(redisKey(key), this.record(tenant), 'NX', 'GET'));
    if (stored !== null && (JSON.parse(stored) as ApiKeyRecord).tenant !== tenant) throw new ApiKeyConflictError(tenant);
  }

  /** The tenant the key belongs to, or undefined for an unknown key. */
  async verify(key: string): Promise<string | undefined> {
    const stored = await withRedis(() => this.redis.get(redisKey(key)));
    return stored === null ? undefined : (JSON.parse(stored) as ApiKeyRecord).tenant;
  }

  private record(tenant: string): string {
    const record: ApiKeyRecord = { tenant, createdAt: this.now().toISOString() };
    return JSON.stringify(record);
  }
}

function redisKey(key: string): string {
  return `af:apikey:${hashApiKey(key)}`;
}
