import type { Command } from 'commander';
import { pino } from 'pino';
import { isEnvironmentName, loadEnvironment, type EnvironmentConfig } from '../../../environments/index.js';
import { loadAgentCatalog } from '../../core/agents/catalog.js';
import type { PlatformConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { PREWARM_POOLS, PrewarmRequestError, prewarmFloors, type PrewarmFloor, type PrewarmRequest } from '../../scaler/prewarm-floors.js';
import { CliError } from '../cli-error.js';
import { parseDuration, parsePolicy, parsePoolSizes, parseTime, wholeNumber } from '../flags.js';
import { printJson } from '../output.js';
import { configFromEnv, environmentVariables, onShutdownSignal } from '../process-config.js';

/**
 * `agentfleet scaler` (the service), `scaler tick`, `scaler prewarm` and `scaler decide` (DESIGN §3).
 * `decide` is offline: the same pure policy as the service, on a state given by flags.
 * `--env` and `--dry-run` exist on `scaler` and on its subcommands; commander hands them to the
 * parent wherever they appear, so subcommands read `optsWithGlobals()`.
 */

/** `--env`, else AGENTFLEET_ENV as the platform config parsed it. */
function environment(flag: string | undefined, platform: PlatformConfig): EnvironmentConfig {
  const chosen = flag ?? platform.AGENTFLEET_ENV;
  if (!isEnvironmentName(chosen)) throw new CliError(`--env: unknown environment "${chosen}" (expected dev, staging or prod)`);
  return loadEnvironment(chosen);
}

/** One-shot commands log to stderr, so `--json` output on stdout stays clean. */
function stderrLogger(level: string) {
  return pino({ level, base: { service: 'scaler' } }, pino.destination(2));
}

/** The flags of `scaler prewarm` as a request: `--schedule` alone, or `--min` with an optional `--pool`. */
function prewarmRequest(flags: { min?: string; pool?: string; schedule?: string }): PrewarmRequest {
  if (flags.schedule !== undefined) {
    if (flags.min !== undefined || flags.pool !== undefined) throw new CliError('--schedule: takes the floor and the pools from the schedule; leave out --min and --pool');
    return { schedule: flags.schedule };
  }
  if (flags.min === undefined) throw new CliError('--min or --schedule: one of them is required');
  return { min: wholeNumber('--min', flags.min), ...(flags.pool !== undefined ? { pool: flags.pool } : {}) };
}

function floorsFor(env: EnvironmentConfig, flags: { min?: string; pool?: string; schedule?: string }): PrewarmFloor[] {
  try {
    return prewarmFloors(env, prewarmRequest(flags));
  } catch (error) {
    throw error instanceof PrewarmRequestError ? new CliError(error.message) : error;
  }
}

interface ServiceFlags {
  env?: string;
  dryRun?: boolean;
  local?: boolean;
  slots?: string;
  minWorkers?: string;
  maxWorkers?: string;
  tickSeconds?: string;
  scaleOutCooldown?: string;
  scaleInCooldown?: string;
  metricsPort?: string;
}

export function registerScalerCommands(program: Command): void {
  const scaler = program
    .command('scaler')
    .description('run the scaler: a tick every few seconds, acting only while it holds the leader lease in Redis')
    .option('--env <env>', 'environment whose config drives the policy (default $AGENTFLEET_ENV or dev)')
    .option('--dry-run', 'decide and log, change nothing')
    .option('--local', 'drive local `agentfleet worker` processes instead of the AWS pools (agentfleet dev)')
    .option('--slots <n>', 'local: slots per worker process (overrides WORKER_SLOTS)')
    .option('--min-workers <n>', 'local: fewest worker processes (LOCAL_MIN_WORKERS, default 1)')
    .option('--max-workers <n>', 'local: most worker processes (LOCAL_MAX_WORKERS, default 4)')
    .option('--tick-seconds <s>', 'decide this often (SCALER_TICK_SECONDS; default: the environment\'s tickSeconds)')
    .option('--scale-out-cooldown <s>', 'seconds between scale-outs (SCALER_SCALE_OUT_COOLDOWN_SECONDS)')
    .option('--scale-in-cooldown <s>', 'seconds after a scale-out before scaling in (SCALER_SCALE_IN_COOLDOWN_SECONDS)')
    .option('--metrics-port <n>', 'serve Prometheus /metrics on this port (SCALER_METRICS_PORT)')
    .action(async (flags: ServiceFlags) => {
      const inherited = environmentVariables();
      const platform = configFromEnv({ WORKER_SLOTS: flags.slots });
      const env = environment(flags.env, platform);
      const { loadScalerEnv } = await import('../../scaler/config.js');
      const processEnv = loadScalerEnv(inherited, {
        LOCAL_MIN_WORKERS: flags.minWorkers,
        LOCAL_MAX_WORKERS: flags.maxWorkers,
        SCALER_TICK_SECONDS: flags.tickSeconds,
        SCALER_SCALE_OUT_COOLDOWN_SECONDS: flags.scaleOutCooldown,
        SCALER_SCALE_IN_COOLDOWN_SECONDS: flags.scaleInCooldown,
        SCALER_METRICS_PORT: flags.metricsPort,
      });
      // Each local worker would fail on a bad agents file: say so once, before starting any.
      if (flags.local) loadAgentCatalog(platform.AGENTS_FILE);
      const logger = createLogger('scaler', platform.LOG_LEVEL);
      const { startScaler, ScalerStartError } = await import('../../scaler/main.js');
      const running = await startScaler(platform, env, logger, {
        dryRun: Boolean(flags.dryRun),
        process: processEnv,
        ...(flags.local
          ? {
              local: {
                minWorkers: processEnv.LOCAL_MIN_WORKERS,
                maxWorkers: processEnv.LOCAL_MAX_WORKERS,
                slotsPerWorker: platform.WORKER_SLOTS,
                workerEnv: { ...inherited, WORKER_SLOTS: String(platform.WORKER_SLOTS) },
                stopGraceMs: (platform.SHUTDOWN_GRACE_SECONDS + 5) * 1000,
              },
            }
          : {}),
      }).catch((error: unknown) => {
        throw error instanceof ScalerStartError ? new CliError(error.message, 1) : error;
      });
      onShutdownSignal(async () => running.stop());
    });

  scaler
    .command('tick')
    .description('run one tick against the environment\'s pools (with --dry-run: print what it would do)')
    .option('--env <env>', 'environment (default $AGENTFLEET_ENV or dev)')
    .option('--dry-run', 'change nothing')
    .option('--json', 'print the decision as JSON')
    .action(async (_flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ env?: string; dryRun?: boolean; json?: boolean }>();
      const platform = configFromEnv();
      const env = environment(flags.env, platform);
      const { createScaler, ScalerStartError } = await import('../../scaler/main.js');
      const { tickOnce } = await import('../../scaler/one-shot-tick.js');
      const { formatDecision } = await import('../../scaler/decision-table.js');
      const scaler = createScaler(platform, env, stderrLogger(platform.LOG_LEVEL), { dryRun: Boolean(flags.dryRun), process: {} });
      try {
        await scaler.connect(10_000).catch((error: unknown) => {
          throw error instanceof ScalerStartError ? new CliError(error.message, 1) : error;
        });
        const { outcome, acted: act } = await tickOnce(scaler, {
          dryRun: Boolean(flags.dryRun),
          onLeaseHeld: (holder) => process.stderr.write(`agentfleet: scaler ${holder} holds the leader lease; not acting (dry run)\n`),
        });
        const decision = { ...outcome.decision, memory: undefined, dryRun: !act, applied: outcome.applied, failed: outcome.failed };
        if (flags.json) printJson(decision);
        else process.stdout.write(formatDecision(outcome.decision, env.name) + (act ? `applied: ${outcome.applied.join(', ') || 'nothing'}\n` : 'dry run: nothing changed\n'));
        if (outcome.failed.length > 0) process.exitCode = 1;
      } finally {
        await scaler.close();
      }
    });

  scaler
    .command('prewarm')
    .description('raise pool floors for a while (the pre-warm job calls this before a known peak); the running scaler applies them on its next tick')
    .option('--env <env>', 'environment (default $AGENTFLEET_ENV or dev)')
    .option('--min <n>', 'floor in instances (EC2 pools), tasks (Fargate) or workers (local)')
    .option('--pool <name>', `pool to raise with --min: ${PREWARM_POOLS.join(', ')} (default spot)`)
    .option('--schedule <name>', 'take the floor and its pools from this pre-warm schedule of the environment (instead of --min and --pool)')
    .option('--for <duration>', 'how long the floors hold: 90s, 30m, 2h, 1h30m', '1h')
    .option('--json', 'print the floors as JSON')
    .action(async (_flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ env?: string; min?: string; pool?: string; schedule?: string; for: string; json?: boolean }>();
      const platform = configFromEnv();
      const env = environment(flags.env, platform);
      const floors = floorsFor(env, flags);
      const seconds = parseDuration('--for', flags.for);
      const { createRedis, waitUntilReady } = await import('../../core/redis.js');
      const { PrewarmStore } = await import('../../scaler/prewarm-store.js');
      const redis = createRedis(platform.REDIS_URL, { name: 'scaler-prewarm', failFast: true, logger: stderrLogger(platform.LOG_LEVEL) });
      try {
        if (!(await waitUntilReady(redis, 10_000))) throw new Error('no answer within 10s');
        const until = Date.now() + seconds * 1000;
        const store = new PrewarmStore(redis, env.name);
        for (const floor of floors) await store.raise(floor.pool, floor.min, until);
        const untilIso = new Date(until).toISOString();
        if (flags.json) {
          printJson(flags.schedule ? { environment: env.name, schedule: flags.schedule, until: untilIso, floors } : { environment: env.name, ...floors[0], until: untilIso });
        } else {
          const from = flags.schedule ? ` (schedule ${flags.schedule})` : '';
          for (const floor of floors) process.stdout.write(`${env.name}: ${floor.pool} keeps at least ${floor.min} until ${untilIso}${from}\n`);
        }
      } catch (error) {
        throw new CliError(`could not write the floor to Redis at ${platform.REDIS_URL}: ${(error as Error).message}`, 1);
      } finally {
        redis.disconnect();
      }
    });

  scaler
    .command('decide')
    .description('print what the policy would do for a given state, with its reasons (offline: no Redis, no AWS)')
    .option('--env <env>', 'environment (default $AGENTFLEET_ENV or dev)')
    .requiredOption('--visible <n>', 'visible messages in the queue')
    .option('--in-flight <n>', 'messages in flight (runs in progress)', '0')
    .option('--current <sizes>', 'current sizes: spot=N,on-demand=N (instances),burst-spot=N,burst-ondemand=N (tasks); missing pools sit at their min')
    .option('--at <iso-time>', 'decide as of this time (pre-warm schedules), default now')
    .option('--policy <policy>', 'step or backlog (default: the environment\'s)')
    .option('--json', 'print the decision as JSON')
    .action(async (_flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ env?: string; visible: string; inFlight: string; current?: string; at?: string; policy?: string; json?: boolean }>();
      const env = environment(flags.env, configFromEnv());
      const { whatIf } = await import('../../scaler/what-if.js');
      const chosen = parsePolicy('--policy', flags.policy);
      const decision = whatIf(env, {
        visible: wholeNumber('--visible', flags.visible),
        inFlight: wholeNumber('--in-flight', flags.inFlight),
        current: parsePoolSizes('--current', flags.current),
        at: parseTime('--at', flags.at),
        ...(chosen ? { policy: chosen } : {}),
      });
      if (flags.json) {
        printJson({ environment: env.name, ...decision, memory: undefined });
        return;
      }
      const { formatDecision } = await import('../../scaler/decision-table.js');
      process.stdout.write(formatDecision(decision, env.name));
    });
}
