import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { startApi, type RunningApi } from '../../../services/api/server.js';
import type { ApiLimitSettings } from '../../../services/api/tenant-limits.js';
import { KeyStore } from '../../../services/core/auth/key-store.js';
import { loadConfig, type PlatformConfig } from '../../../services/core/config.js';
import { createLogger } from '../../../services/core/logger.js';
import type { QueueDriver } from '../../../services/core/queue/contract.js';
import { createQueueDriver } from '../../../services/core/queue/index.js';
import { RedisRunStore } from '../../../services/core/run/redis-run-store.js';
import { startRedis, type TestRedis } from '../../support/redis.js';

/**
 * The real API (startApi, exactly as `agentfleet api` runs it) on a private redis-server and a free
 * port, plus what tests need to look behind it: a Redis client, the key store and a queue driver on
 * the same queue (to receive what the API sent), and the run store (to play the worker's part).
 */
export interface ApiHarness {
  url: string;
  config: PlatformConfig;
  redisServer: TestRedis;
  redis: Redis;
  keys: KeyStore;
  queue: QueueDriver;
  store: RedisRunStore;
  /** The tenant registered through AGENTFLEET_BOOTSTRAP_KEYS. */
  bootstrap: ApiClient;
  /** A tenant of its own, so tests running side by side never see each other's runs. */
  newTenant(): Promise<ApiClient>;
  close(): Promise<void>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else undefined. */
  json: any;
  text: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as is, instead of `body` as JSON. */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(
    readonly url: string,
    readonly tenant: string,
    readonly key: string | undefined,
  ) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = { ...(this.key ? { authorization: `Bearer ${this.key}` } : {}) };
    let body: string | Buffer | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(this.url + path, { method, headers: { ...headers, ...options.headers }, body });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    return { status: response.status, headers: response.headers, text, json: type.includes('json') && text ? JSON.parse(text) : undefined };
  }

  get(path: string, options?: RequestOptions) {
    return this.request('GET', path, options);
  }

  post(path: string, body?: unknown, options: RequestOptions = {}) {
    return this.request('POST', path, { ...options, body });
  }

  /** POST /v1/runs of a quick simulate run. */
  submit(extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
    return this.post('/v1/runs', { agent: 'simulate', input: { durationMs: 200 }, ...extra }, { headers });
  }
}

/** `limits`: what `agentfleet api` reads from the environment's config; none unless given. */
export async function startApiHarness(env: Record<string, string> = {}, limits?: ApiLimitSettings): Promise<ApiHarness> {
  const redisServer = await startRedis();
  const bootstrapKey = `boot_${randomBytes(16).toString('hex')}`;
  const config = loadConfig({
    REDIS_URL: redisServer.url,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    AGENTFLEET_BOOTSTRAP_KEYS: `bootstrap:${bootstrapKey}`,
    ...env,
  });
  const logger = createLogger('api-test', 'silent');
  let api: RunningApi | undefined;
  let queue: QueueDriver | undefined;
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1 });
  // Outage tests stop the server under this client; its reconnect errors are expected.
  redis.on('error', () => undefined);
  try {
    api = await startApi(config, logger, limits);
    queue = createQueueDriver(config, { logger });
  } catch (error) {
    await api?.close();
    redis.disconnect();
    await redisServer.stop();
    throw error;
  }
  const keys = new KeyStore(redis);
  const url = api.url;
  return {
    url,
    config,
    redisServer,
    redis,
    keys,
    queue,
    store: new RedisRunStore(redis, { retentionSeconds: config.RUN_RETENTION_SECONDS, leaseSeconds: config.LEASE_SECONDS }),
    bootstrap: new ApiClient(url, 'bootstrap', bootstrapKey),
    newTenant: async () => {
      const { tenant, key } = await keys.create(`t-${randomBytes(6).toString('hex')}`);
      return new ApiClient(url, tenant, key);
    },
    close: async () => {
      await api?.close();
      await queue?.close();
      redis.disconnect();
      await redisServer.stop();
    },
  };
}

/** Receives until a message for `runId` arrives (acking it), or fails after `timeoutMs`. */
export async function receiveMessageFor(queue: QueueDriver, runId: string, timeoutMs = 20_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    for (const delivery of await queue.receive(10, { waitSeconds: 1 })) {
      await queue.ack(delivery);
      const message = JSON.parse(delivery.body) as Record<string, unknown>;
      if (message.runId === runId) return message;
    }
  }
  throw new Error(`no queue message for run ${runId} within ${timeoutMs} ms`);
}
