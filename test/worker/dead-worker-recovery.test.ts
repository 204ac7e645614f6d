import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { loadConfig, type PlatformConfig } from '../../services/core/config.js';
import { createLogger } from '../../services/core/logger.js';
import { createQueueDriver } from '../../services/core/queue/index.js';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import { createRedis } from '../../services/core/redis.js';
import type { Run } from '../../services/core/run/model.js';
import { RedisRunStore } from '../../services/core/run/redis-run-store.js';
import { messageForRun } from '../../services/core/run/run-message.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';
import { waitFor } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * Issue 11, item 1: a run held by a worker that dies without a word (kill -9) runs again on another
 * worker within a minute, on both drivers, with the defaults a production deployment uses. Two real
 * `agentfleet worker` processes get nothing but their connection settings (no VISIBILITY_SECONDS,
 * LEASE_SECONDS or other timing); the one holding the run is SIGKILLed; the other must take the run
 * up and finish it. The measured time from the kill to the new attempt's start is logged (t.log);
 * the only bound is the wait's: 75 s, the 60 s plus room for a loaded test machine. The
 * worst case the defaults allow (35 s on SQS, 40 s on BullMQ) is worked out in
 * services/core/config.ts.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** From this process's environment only what a process needs to run: every platform variable is the test's. */
const PASSED_THROUGH = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];
const TENANT = 'recovery';
const RUN_MS = 10_000;
/** The issue asks for 60 s; 15 s more for polling and a machine shared with other tests. */
const RECOVERY_WAIT_MS = 75_000;
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const logger = createLogger('recovery-test', 'silent');

let redis: TestRedis;
let sqs: TestSqs;
test.before(async () => {
  redis = await startRedis();
  // The queue keeps production's 15-minute visibility: only the worker's own short one may bring a run back in time.
  sqs = await startSqs({ visibilityTimeout: 15 * 60 });
});
test.after.always(async () => {
  await sqs?.stop();
  await redis?.stop();
});

interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  started: Promise<void>;
}

function startWorkerProcess(t: ExecutionContext, env: Record<string, string>): WorkerProcess {
  const passed = Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : [])));
  const child = spawn(process.execPath, ['bin/agentfleet.js', 'worker'], { cwd: ROOT, env: { ...passed, ...env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"worker started"')) resolve();
    });
    child.once('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) before it started:\n${output.slice(-2_000)}`)));
  });
  started.catch(() => {});
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  });
  return { child, pid: child.pid as number, started };
}

function queueSettings(driver: 'bullmq' | 'sqs'): Record<string, string> {
  if (driver === 'bullmq') return { QUEUE_DRIVER: 'bullmq', QUEUE_NAME: `recovery-${randomUUID()}` };
  return {
    QUEUE_DRIVER: 'sqs',
    SQS_QUEUE_URL: sqs.queueUrl,
    SQS_HIGH_PRIORITY_QUEUE_URL: sqs.highPriorityQueueUrl,
    SQS_DLQ_URL: sqs.dlqUrl,
    AWS_ENDPOINT_URL: sqs.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

/** Submits a run the way the API does: its record, then its message. */
async function submit(t: ExecutionContext, config: PlatformConfig): Promise<{ read(): Promise<Run> }> {
  const connection = createRedis(config.REDIS_URL, { name: 'recovery-test', failFast: false, logger });
  const store = new RedisRunStore(connection, { retentionSeconds: 3600, leaseSeconds: config.LEASE_SECONDS });
  const queue = createQueueDriver(config, { logger, sqsCredentials: credentials });
  t.teardown(async () => {
    await Promise.allSettled([queue.close(), store.close()]);
    connection.disconnect();
  });
  const { run } = await store.create(TENANT, { agent: 'simulate', input: { durationMs: RUN_MS }, timeoutSeconds: 300, maxAttempts: 3, priority: 0, metadata: {} });
  await queue.send(encodeRunMessage(messageForRun(run)));
  return {
    async read() {
      const current = await store.get(TENANT, run.id);
      if (!current) throw new Error(`run ${run.id} is gone`);
      return current;
    },
  };
}

for (const driver of ['sqs', 'bullmq'] as const) {
  test(`${driver}: a run whose worker is killed with kill -9 runs again on another worker within a minute, with production defaults, and finishes`, async (t) => {
    t.timeout(180_000);
    const env = { REDIS_URL: redis.url, ...queueSettings(driver) };
    const config = loadConfig(env);
    t.log(`defaults in use: VISIBILITY_SECONDS=${config.VISIBILITY_SECONDS}, LEASE_SECONDS=${config.LEASE_SECONDS}`);
    const workers = [startWorkerProcess(t, env), startWorkerProcess(t, env)];
    await Promise.all(workers.map((worker) => worker.started));

    const run = await submit(t, config);
    let held: Run | undefined;
    await waitFor(async () => {
      held = await run.read();
      return held.status === 'running';
    }, 'the run to start', 30_000);
    const first = held?.attempts[0];
    const victim = workers.find((worker) => first?.worker.includes(`-${worker.pid}-`));
    const survivor = workers.find((worker) => worker !== victim);
    if (!victim || !survivor) throw new Error(`no worker process matches the attempt's worker ${first?.worker}`);

    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    let retaken: Run | undefined;
    await waitFor(async () => {
      retaken = await run.read();
      return retaken.status === 'running' && retaken.attempts.length > 1;
    }, `the run to run again on the surviving worker (the issue allows 60 s)`, RECOVERY_WAIT_MS);
    const second = retaken?.attempts.at(-1);
    t.true(second?.worker.includes(`-${survivor.pid}-`), `the new attempt runs on the surviving worker (${second?.worker})`);
    t.log(`${driver}: running again ${((Date.parse(second?.startedAt ?? '') - killedAt) / 1000).toFixed(1)} s after the kill -9`);

    let finished: Run | undefined;
    await waitFor(async () => {
      finished = await run.read();
      return ['succeeded', 'failed', 'timed_out', 'cancelled'].includes(finished.status);
    }, 'the run to finish', RUN_MS + 30_000);
    t.is(finished?.status, 'succeeded');
    t.deepEqual(
      finished?.attempts.map((attempt) => attempt.worker.includes(`-${victim.pid}-`)),
      [true, false],
      'two attempts: the killed worker\'s, then the survivor\'s',
    );
  });
}
