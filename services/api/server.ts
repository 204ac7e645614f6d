import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadAgentCatalog } from '../core/agents/catalog.js';
import { KeyStore } from '../core/auth/key-store.js';
import type { PlatformConfig } from '../core/config.js';
import { FleetSnapshotStore } from '../core/fleet/fleet-snapshot.js';
import { WorkerRegistry } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';
import { createMetricsRegistry } from '../core/metrics.js';
import { createQueueDriver } from '../core/queue/index.js';
import { QueueHistory } from '../core/queue/queue-history.js';
import { createRedis, waitUntilReady } from '../core/redis.js';
import { RedisRunStore } from '../core/run/redis-run-store.js';
import { createApp } from './app.js';
import { KeyRevocationListener } from './key-revocations.js';
import { answerClientError } from './client-error.js';
import { CachedKeyVerifier } from './key-verifier.js';
import { QueueSampler } from './queue-sampler.js';
import { TenantLimits, type ApiLimitSettings } from './tenant-limits.js';
import { UnsentRunSweeper } from './unsent-run-sweeper.js';

export interface RunningApi {
  /** Base URL with the port actually bound (PORT=0 picks a free one). */
  url: string;
  close(): Promise<void>;
}

/** How long start-up waits for Redis before giving up (the process is restarted by its supervisor). */
const STARTUP_REDIS_WAIT_MS = 30_000;
/** Keep-alive longer than a typical load balancer's idle timeout (ALB: 60 s), so the LB closes first. */
const KEEP_ALIVE_MS = 65_000;

/**
 * `agentfleet api` and `agentfleet dev`: wires the real dependencies from config (and the limits from
 * the environment's config, when given), registers the bootstrap keys, starts the sweeper of runs
 * recorded but never queued, and listens on HOST:PORT.
 * `close` stops accepting, lets in-flight requests finish, stops the sweeper, then closes the queue
 * and Redis.
 */
export async function startApi(config: PlatformConfig, logger: Logger, limits?: ApiLimitSettings): Promise<RunningApi> {
  const agents = loadAgentCatalog(config.AGENTS_FILE);
  const redis = createRedis(config.REDIS_URL, { name: 'api', failFast: true, autoPipelining: true, logger });
  const closeOnFailure: (() => Promise<unknown>)[] = [async () => redis.disconnect()];
  try {
    if (!(await waitUntilReady(redis, STARTUP_REDIS_WAIT_MS))) {
      throw new Error(`Redis at ${config.REDIS_URL} did not answer within ${STARTUP_REDIS_WAIT_MS / 1000}s`);
    }
    const keyStore = new KeyStore(redis);
    const registerBootstrapKeys = async () => {
      for (const { tenant, key } of config.AGENTFLEET_BOOTSTRAP_KEYS) await keyStore.register(tenant, key);
    };
    await registerBootstrapKeys();
    // A Redis that comes back empty (restarted without persistence) would otherwise lock out the
    // bootstrap tenants until this process restarts.
    redis.on('ready', () => {
      registerBootstrapKeys().catch((error: unknown) => logger.warn({ err: error }, 'could not re-register the bootstrap keys'));
    });

    const store = new RedisRunStore(redis, { retentionSeconds: config.RUN_RETENTION_SECONDS, leaseSeconds: config.LEASE_SECONDS, logger });
    closeOnFailure.unshift(() => store.close());
    const queue = createQueueDriver(config, { logger });
    closeOnFailure.unshift(() => queue.close());
    const metrics = createMetricsRegistry('api');
    const sweeper = new UnsentRunSweeper(store, queue, logger, metrics);
    sweeper.start();
    closeOnFailure.unshift(() => sweeper.stop());
    const now = () => Date.now();
    const queueHistory = new QueueHistory(redis);
    const sampler = new QueueSampler(queue, store, queueHistory, config.QUEUE_SAMPLE_SECONDS * 1000, logger, now);
    sampler.start();
    closeOnFailure.unshift(() => sampler.stop());
    const keys = new CachedKeyVerifier(keyStore, now, (error) => logger.debug({ err: error }, 'could not record when an API key was last used'));
    const revocations = new KeyRevocationListener(
      createRedis(config.REDIS_URL, { name: 'api-key-revocations', failFast: false, logger }),
      keys,
      logger,
    );
    revocations.start();
    closeOnFailure.unshift(async () => revocations.stop());
    const shutdown = new AbortController();
    const app = createApp({
      store,
      queue,
      keys,
      agents,
      workers: new WorkerRegistry(redis),
      queueHistory: { periodSeconds: config.QUEUE_SAMPLE_SECONDS, read: (at) => queueHistory.read(at) },
      fleet: new FleetSnapshotStore(redis),
      logger,
      metrics,
      now,
      shutdown: shutdown.signal,
      trustedProxyHops: config.TRUSTED_PROXY_HOPS,
      ...(limits ? { limits: new TenantLimits(redis, limits, (tenant) => store.countQueued(tenant), now, logger) } : {}),
      corsOrigins: config.CORS_ORIGINS,
    });

    const server = createServer(app.callback());
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.on('clientError', answerClientError);
    await listen(server, config.HOST, config.PORT);
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://${reachableHost(config.HOST)}:${port}`,
      close: async () => {
        shutdown.abort();
        await closeServer(server);
        await sampler.stop();
        await sweeper.stop();
        revocations.stop();
        await queue.close();
        await store.close();
        redis.disconnect();
      },
    };
  } catch (error) {
    for (const close of closeOnFailure) await close().catch(() => undefined);
    throw error;
  }
}

/** A wildcard bind address is not somewhere to send requests; loopback reaches the same server. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Stops accepting, closes idle keep-alive connections at once, and resolves when in-flight requests are done. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}
