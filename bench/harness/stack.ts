import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '../../test/support/ports.js';
import type { BenchContext } from './benchmark.js';
import { compiledPath } from './build.js';
import { BenchProcess } from './processes.js';
import { waitUntil } from './wait.js';

/**
 * The real services, started the way the container image starts them (`agentfleet api`,
 * `agentfleet worker` from compiled code), pinned to the plan's server CPU and configured only
 * through the environment (DESIGN §4).
 */

export interface StackConfig {
  redisUrl: string;
  queueName: string;
  queue: { driver: 'bullmq' } | { driver: 'sqs'; endpoint: string; queueUrl: string; dlqUrl: string };
  /** Further variables (WORKER_SLOTS, AGENTS_FILE, ...). */
  extra?: Record<string, string>;
}

export interface BenchTenant {
  tenant: string;
  key: string;
}

export function newTenant(): BenchTenant {
  return { tenant: 'bench', key: randomBytes(24).toString('hex') };
}

/** Only what the services read, plus PATH and HOME: nothing from the developer's shell leaks in. */
export function stackEnvironment(config: StackConfig, tenant?: BenchTenant): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    REDIS_URL: config.redisUrl,
    QUEUE_NAME: config.queueName,
    QUEUE_DRIVER: config.queue.driver,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...(tenant ? { AGENTFLEET_BOOTSTRAP_KEYS: `${tenant.tenant}:${tenant.key}` } : {}),
    ...config.extra,
  };
  if (config.queue.driver === 'sqs') {
    Object.assign(env, {
      SQS_QUEUE_URL: config.queue.queueUrl,
      SQS_DLQ_URL: config.queue.dlqUrl,
      AWS_ENDPOINT_URL: config.queue.endpoint,
      AWS_REGION: 'us-east-1',
      // fauxqs accepts any credentials; the SDK insists on having some.
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
    });
  }
  return env;
}

export interface RunningApi {
  process: BenchProcess;
  url: string;
}

export async function startApiProcess(
  context: BenchContext,
  config: StackConfig,
  tenant: BenchTenant,
  options: { logName: string },
): Promise<RunningApi> {
  const port = await freePort();
  const api = BenchProcess.start({
    name: 'agentfleet api',
    script: compiledPath(context.build, 'services/cli/main.ts'),
    args: ['api'],
    cpus: context.plan.server,
    nodeArgs: probe(context),
    env: { ...stackEnvironment(config, tenant), PORT: String(port) },
    logFile: join(context.logDir, `${options.logName}.log`),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(async () => (await fetch(`${url}/readyz`)).ok, 'agentfleet api /readyz', {
    timeoutMs: 60_000,
    failIf: () => (api.running ? undefined : `it exited; see ${options.logName}.log`),
  });
  return { process: api, url };
}

/** The service probe (event-loop delay, CPU profiles over IPC) loaded beside a service whose code is unchanged. */
function probe(context: BenchContext): string[] {
  return ['--import', compiledPath(context.build, 'bench/probe/service-probe.ts')];
}

/** `agentfleet worker`, with the service probe. */
export function startWorkerProcess(
  context: BenchContext,
  config: StackConfig,
  options: { logName: string },
): BenchProcess {
  return BenchProcess.start({
    name: 'agentfleet worker',
    script: compiledPath(context.build, 'services/cli/main.ts'),
    args: ['worker'],
    cpus: context.plan.server,
    nodeArgs: probe(context),
    env: stackEnvironment(config),
    logFile: join(context.logDir, `${options.logName}.log`),
  });
}
