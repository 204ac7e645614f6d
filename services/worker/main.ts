import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { collectDefaultMetrics } from 'prom-client';
import { loadAgentCatalog } from '../core/agents/catalog.js';
import type { PlatformConfig } from '../core/config.js';
import { WorkerRegistry } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';
import { createQueueDriver } from '../core/queue/index.js';
import { createRedis } from '../core/redis.js';
import { RedisRunStore } from '../core/run/redis-run-store.js';
import { AgentExecutors } from './agents/agent-executors.js';
import { Lifeline } from './agents/lifeline.js';
import { outcomeTotals, RunMetricsPublisher } from './cloudwatch-metrics.js';
import { RedisCheckpointStore } from './checkpoint-store.js';
import { ImdsClient } from './interruption/imds-client.js';
import { InstanceReportingRegistry, readInstanceId } from './interruption/instance-identity.js';
import { LifecycleHook } from './interruption/lifecycle-hook.js';
import { InterruptionWatcher } from './interruption/watcher.js';
import { EcsAgentClient } from './task-protection/ecs-agent-client.js';
import { TaskProtectionKeeper } from './task-protection/keeper.js';
import { EVENT_LOOP_MONITOR_RESOLUTION_MS, WorkerMetrics } from './metrics.js';
import { serveMetrics } from './metrics-server.js';
import { SnsAlerts } from './sns-alerts.js';
import { Worker, type WorkerOptions } from './worker.js';

/**
 * `agentfleet worker`: wires a Worker to real Redis, the run store, the queue driver QUEUE_DRIVER
 * names, the agents of AGENTS_FILE (with the lifeline that kills command agents if this process dies
 * without stopping them), the fleet registry, the metrics endpoint and (on EC2) the Spot, rebalance
 * and scale-in watcher (a rebalance recommendation pauses the worker, the others drain it), with the
 * ASG lifecycle hook heartbeated during a scale-in drain and completed after it, and the instance id
 * in the registry reports (the scaler keeps busy instances from scale-in), (on ECS) the task scale-in
 * protection held while any slot is busy, and (in AWS) the run outcomes for the error-rate alarm as
 * EMF lines on stdout, and breaker alerts to SNS (ALERTS_TOPIC_ARN). Signals are the CLI's business: it calls `stop('SIGTERM')`.
 */

export interface RunningWorker {
  readonly id: string;
  /** Drains (SHUTDOWN_GRACE_SECONDS), then closes every connection. */
  stop(reason?: string): Promise<void>;
  /** Resolves once the worker has stopped and closed, also when it drained by itself on a Spot notice or scale-in. */
  readonly closed: Promise<void>;
  /** Where /metrics is served, when WORKER_METRICS_PORT is set. */
  readonly metricsUrl?: string;
}

/** What command agents inherit from the worker's environment; everything else (credentials, REDIS_URL, ...) stays with the worker. */
const AGENT_ENV_PASSTHROUGH = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

/** The user command agents run as, when the worker is configured to switch to one. */
function agentUser(config: PlatformConfig): { runAs?: { uid: number; gid: number } } {
  return config.AGENT_UID !== undefined && config.AGENT_GID !== undefined ? { runAs: { uid: config.AGENT_UID, gid: config.AGENT_GID } } : {};
}

export function workerOptionsFromConfig(config: PlatformConfig, id: string): WorkerOptions {
  return {
    id,
    pool: config.WORKER_POOL,
    slots: config.WORKER_SLOTS,
    leaseSeconds: config.LEASE_SECONDS,
    visibilitySeconds: config.VISIBILITY_SECONDS,
    shutdownGraceMs: config.SHUTDOWN_GRACE_SECONDS * 1000,
    onInterrupt: config.ON_INTERRUPT,
    breaker: {
      errorPercent: config.BREAKER_ERROR_PERCENT,
      windowSeconds: config.BREAKER_WINDOW_SECONDS,
      minAttempts: config.BREAKER_MIN_ATTEMPTS,
      cooldownSeconds: config.BREAKER_COOLDOWN_SECONDS,
    },
    agentBreakerErrorPercent: config.AGENT_BREAKER_ERROR_PERCENT,
  };
}

export async function startWorker(config: PlatformConfig, logger: Logger): Promise<RunningWorker> {
  const id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const catalog = loadAgentCatalog(config.AGENTS_FILE);
  const redis = createRedis(config.REDIS_URL, { name: 'worker', failFast: false, logger });
  const store = new RedisRunStore(redis, { retentionSeconds: config.RUN_RETENTION_SECONDS, leaseSeconds: config.LEASE_SECONDS, logger });
  const queue = createQueueDriver(config, { logger });
  const baseEnv = Object.fromEntries(AGENT_ENV_PASSTHROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : [])));
  const options = workerOptionsFromConfig(config, id);
  const metrics = new WorkerMetrics({ worker: id, pool: options.pool });
  const imds = config.IMDS_ENDPOINT ? new ImdsClient(config.IMDS_ENDPOINT) : undefined;
  const instanceId = imds ? await readInstanceId(imds, logger) : undefined;
  const workerLogger = logger.child({ worker: id });
  const lifeline = new Lifeline(workerLogger);
  const alerts = config.ALERTS_TOPIC_ARN
    ? new SnsAlerts(
        { topicArn: config.ALERTS_TOPIC_ARN, region: config.AWS_REGION, endpoint: config.AWS_ENDPOINT_URL, onFailure: () => metrics.alertsFailed.inc() },
        workerLogger,
      )
    : undefined;
  const worker = new Worker(
    {
      store,
      queue,
      executors: new AgentExecutors(catalog, { killGraceMs: config.KILL_GRACE_SECONDS * 1000, baseEnv, lifeline, ...agentUser(config) }),
      checkpoints: new RedisCheckpointStore(redis, { retentionSeconds: config.RUN_RETENTION_SECONDS }),
      registry: instanceId ? new InstanceReportingRegistry(redis, instanceId) : new WorkerRegistry(redis),
      metrics,
      logger: workerLogger,
      alerts,
    },
    options,
  );

  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  if (config.WORKER_METRICS_PORT !== undefined) {
    collectDefaultMetrics({ register: metrics.registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITOR_RESOLUTION_MS });
    metricsServer = await serveMetrics(metrics.registry, config.HOST, config.WORKER_METRICS_PORT);
  }
  const lifecycleHook =
    imds && config.WORKER_ASG_NAME && config.WORKER_LIFECYCLE_HOOK
      ? new LifecycleHook(
          {
            asgName: config.WORKER_ASG_NAME,
            hookName: config.WORKER_LIFECYCLE_HOOK,
            region: config.AWS_REGION,
            heartbeatMs: config.LIFECYCLE_HEARTBEAT_SECONDS * 1000,
            endpoint: config.AWS_ENDPOINT_URL,
          },
          imds,
          logger,
        )
      : undefined;
  let scaledIn = false;
  const watcher = imds
    ? new InterruptionWatcher(
        imds,
        {
          pollMs: config.IMDS_POLL_SECONDS * 1000,
          spotMarginMs: config.SPOT_DRAIN_MARGIN_SECONDS * 1000,
          scaleInGraceMs: config.SCALE_IN_GRACE_SECONDS * 1000,
        },
        (notice) => {
          if (notice.kind === 'scale-in') {
            scaledIn = true;
            lifecycleHook?.startHeartbeats();
          }
          if (notice.kind === 'rebalance') worker.pause(`rebalance recommendation: ${notice.detail}`);
          else void worker.drain(`${notice.kind} notice: ${notice.detail}`, notice.deadline);
        },
        logger,
      )
    : undefined;

  const taskProtection = config.ECS_AGENT_URI
    ? new TaskProtectionKeeper(new EcsAgentClient(config.ECS_AGENT_URI), () => worker.status().busy, { minutes: config.TASK_PROTECTION_MINUTES }, workerLogger)
    : undefined;

  const runMetrics =
    config.CLOUDWATCH_METRICS === 'emf'
      ? new RunMetricsPublisher({
          source: { environment: config.AGENTFLEET_ENV, worker: id, pool: options.pool },
          readTotals: () => outcomeTotals(metrics.attemptsFinished),
          write: (line) => process.stdout.write(line),
          logger,
        })
      : undefined;

  await worker.start();
  watcher?.start();
  taskProtection?.start();
  runMetrics?.start();

  const closed = worker.stopped.then(async () => {
    lifeline.close();
    watcher?.stop();
    await taskProtection?.stop();
    await runMetrics?.stop();
    await alerts?.close();
    if (scaledIn) await lifecycleHook?.complete();
    await Promise.allSettled([metricsServer?.close(), queue.close(), store.close()]);
    await redis.quit().catch(() => redis.disconnect());
  });
  return {
    id,
    metricsUrl: metricsServer?.url,
    closed,
    stop: async (reason = 'stop') => {
      await worker.stop(reason);
      await closed;
    },
  };
}
