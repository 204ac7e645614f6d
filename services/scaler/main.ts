import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Registry } from 'prom-client';
import { type EnvironmentConfig, POOL_NAMES } from '../../environments/index.js';
import type { PlatformConfig } from '../core/config.js';
import { FleetSnapshotStore } from '../core/fleet/fleet-snapshot.js';
import { WorkerRegistry } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';
import { createMetricsRegistry } from '../core/metrics.js';
import { createQueueDriver } from '../core/queue/index.js';
import { createRedis, waitUntilReady } from '../core/redis.js';
import { RedisRunStore } from '../core/run/redis-run-store.js';
import { awsClients, awsPools, type AwsEndpoint } from './adapters/aws-pools.js';
import { LocalWorkerPool } from './adapters/local.js';
import type { CapacityPool } from './adapters/pool.js';
import type { ScalerEnv } from './config.js';
import { LeaderLease } from './leader.js';
import { ScalerLoop, type PoolUnits, type TickOutcome } from './loop.js';
import { PolicyMemoryStore } from './memory-store.js';
import { serveMetrics } from './metrics-server.js';
import { ScalerMetrics } from './metrics.js';
import { policySettings, poolShape } from './policy/settings.js';
import type { PolicySettings, ScalablePoolName } from './policy/types.js';
import { PrewarmStore } from './prewarm-store.js';

/**
 * Wiring of the scaler: `agentfleet scaler` (the service: a tick every few seconds, only while it
 * holds the leader lease) and `agentfleet scaler tick` (one tick). The pools are the environment's
 * ASGs and ECS services, or, with `local`, worker processes of this one (`agentfleet dev`).
 */

export interface LocalFleetOptions {
  minWorkers: number;
  maxWorkers: number;
  slotsPerWorker: number;
  /** Environment of each worker process. */
  workerEnv: NodeJS.ProcessEnv;
  /** SIGKILL a stopping worker after this long (its drain grace plus a margin). */
  stopGraceMs: number;
}

export interface ScalerOptions {
  /** Decide and log, change nothing, never take the leader lease. */
  dryRun: boolean;
  /** Clock overrides and the metrics port (services/scaler/config.ts). */
  process: Pick<ScalerEnv, 'SCALER_TICK_SECONDS' | 'SCALER_SCALE_OUT_COOLDOWN_SECONDS' | 'SCALER_SCALE_IN_COOLDOWN_SECONDS' | 'SCALER_METRICS_PORT'>;
  local?: LocalFleetOptions;
  /** AWS credentials to use instead of the default chain (tests against moto). */
  awsCredentials?: AwsEndpoint['credentials'];
}

export interface Scaler {
  readonly tickMs: number;
  readonly settings: PolicySettings;
  readonly lease: LeaderLease;
  readonly metrics: ScalerMetrics;
  tick(options: { act: boolean; mayAct?: () => boolean }): Promise<TickOutcome>;
  /** Resolves once Redis answers; throws ScalerStartError after `timeoutMs`. */
  connect(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The scaler could not start (Redis did not answer in time); a supervisor should restart it. */
export class ScalerStartError extends Error {
  override readonly name = 'ScalerStartError';
}

const STARTUP_REDIS_WAIT_MS = 30_000;

export function createScaler(platform: PlatformConfig, environment: EnvironmentConfig, logger: Logger, options: ScalerOptions): Scaler {
  const tickMs = (options.process.SCALER_TICK_SECONDS ?? environment.scaling.tickSeconds) * 1000;
  const settings = policySettings(environment, {
    ...(options.process.SCALER_SCALE_OUT_COOLDOWN_SECONDS ? { scaleOutCooldownSeconds: options.process.SCALER_SCALE_OUT_COOLDOWN_SECONDS } : {}),
    ...(options.process.SCALER_SCALE_IN_COOLDOWN_SECONDS ? { scaleInCooldownSeconds: options.process.SCALER_SCALE_IN_COOLDOWN_SECONDS } : {}),
  });
  // Fail fast: a tick that cannot reach Redis fails at once and the next tick tries again.
  const redis = createRedis(platform.REDIS_URL, { name: 'scaler', failFast: true, logger });
  const queue = createQueueDriver(platform, { logger });
  const store = new RedisRunStore(redis, { retentionSeconds: platform.RUN_RETENTION_SECONDS, leaseSeconds: platform.LEASE_SECONDS, logger });
  const workers = new WorkerRegistry(redis);

  let pools: CapacityPool[];
  let units: Map<ScalablePoolName, PoolUnits>;
  let localPool: LocalWorkerPool | undefined;
  if (options.local) {
    localPool = new LocalWorkerPool({
      min: options.local.minWorkers,
      max: options.local.maxWorkers,
      slotsPerWorker: options.local.slotsPerWorker,
      env: options.local.workerEnv,
      stopGraceMs: options.local.stopGraceMs,
      registry: workers,
      logger,
    });
    pools = [localPool];
    units = new Map([['local', { slotsPerUnit: options.local.slotsPerWorker, unitsPerInstance: 1 }]]);
  } else {
    const endpoint: AwsEndpoint = { region: platform.AWS_REGION, endpoint: platform.AWS_ENDPOINT_URL, credentials: options.awsCredentials };
    pools = awsPools(environment, awsClients(endpoint));
    units = new Map(POOL_NAMES.map((name) => [name, poolShape(environment, name)]));
  }

  const metrics = new ScalerMetrics(createMetricsRegistry('scaler'));
  const loop = new ScalerLoop(
    {
      pools,
      queue,
      store,
      workers,
      prewarm: new PrewarmStore(redis, environment.name),
      memory: new PolicyMemoryStore(redis),
      snapshots: new FleetSnapshotStore(redis),
      logger,
      metrics,
    },
    { settings, schedules: environment.scaling.prewarm, units, snapshotTtlMs: Math.max(3 * tickMs, 30_000) },
  );
  const lease = new LeaderLease(redis, `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`, Math.max(3 * tickMs, 10_000));

  return {
    tickMs,
    settings,
    lease,
    metrics,
    tick: (tickOptions) => loop.tick(tickOptions),
    connect: async (timeoutMs = STARTUP_REDIS_WAIT_MS) => {
      if (!(await waitUntilReady(redis, timeoutMs))) throw new ScalerStartError(`Redis at ${platform.REDIS_URL} did not answer within ${timeoutMs / 1000}s`);
    },
    close: async () => {
      await localPool?.close();
      await queue.close();
      await store.close();
      redis.disconnect();
    },
  };
}

export interface RunningScaler {
  /** Served at `metricsUrl` when SCALER_METRICS_PORT is set. */
  readonly metrics: Registry;
  readonly metricsUrl?: string;
  /** Finishes the current tick, releases the lease, stops local workers (they drain) and disconnects. */
  stop(): Promise<void>;
}

/** `agentfleet scaler`: ticks until stopped; only the replica holding the lease acts. */
export async function startScaler(platform: PlatformConfig, environment: EnvironmentConfig, logger: Logger, options: ScalerOptions): Promise<RunningScaler> {
  const scaler = createScaler(platform, environment, logger, options);
  try {
    await scaler.connect();
  } catch (error) {
    await scaler.close();
    throw error;
  }
  const metricsServer =
    options.process.SCALER_METRICS_PORT === undefined ? undefined : await serveMetrics(scaler.metrics.registry, platform.HOST, options.process.SCALER_METRICS_PORT);
  let stopped = false;
  let wake: (() => void) | undefined;
  let leading = false;

  const tickOnce = async () => {
    const endTimer = scaler.metrics.tickDuration.startTimer();
    try {
      if (options.dryRun) {
        await scaler.tick({ act: false });
        return;
      }
      const nowLeading = await scaler.lease.acquireOrRenew().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not renew the leader lease; not acting this tick');
        return false;
      });
      if (nowLeading !== leading) logger.info({ holder: scaler.lease.holder }, nowLeading ? 'leading: this replica scales the fleet' : 'lost the leader lease; standing by');
      leading = nowLeading;
      scaler.metrics.setLeader(leading);
      if (leading) await scaler.tick({ act: true, mayAct: () => !stopped && scaler.lease.holds() });
    } catch (error) {
      scaler.metrics.tickFailed();
      logger.error({ err: error }, 'scaler tick failed; trying again next tick');
    } finally {
      endTimer();
    }
  };

  const running = (async () => {
    while (!stopped) {
      const startedAt = Date.now();
      await tickOnce();
      const waitMs = Math.max(0, scaler.tickMs - (Date.now() - startedAt));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  logger.info({ environment: environment.name, policy: scaler.settings.policy, tickMs: scaler.tickMs, dryRun: options.dryRun, local: Boolean(options.local) }, 'scaler started');

  return {
    metrics: scaler.metrics.registry,
    ...(metricsServer ? { metricsUrl: metricsServer.url } : {}),
    stop: async () => {
      stopped = true;
      wake?.();
      await running;
      if (leading) await scaler.lease.release().catch((error: unknown) => logger.warn({ err: error }, 'could not release the leader lease; it lapses by itself'));
      await scaler.close();
      await metricsServer?.close();
    },
  };
}
