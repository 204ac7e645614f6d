import { loadEnvironment } from '../../environments/index.js';
import { check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosAgent, type ChaosSession } from '../harness/session.js';
import { startSqs } from '../harness/sqs-server.js';
import { secondsSince, waitFor } from '../harness/wait.js';

/**
 * The promise of DESIGN §6, "the queue message carries everything needed to execute the run, so a
 * run survives loss of its Redis record", put to the test: with the production queue driver (SQS, on
 * fauxqs, so the queue lives apart from Redis), Redis is SIGKILLed and comes back empty (no
 * persistence: a flushed node, a failover to a replica that had nothing yet) while runs are queued and
 * running. Every one of them still has its message, so every one must end terminal (rebuilt from its
 * message). Runs finished before the loss are not part of the promise, so none are.
 *
 * API keys live in the same Redis: the scenario registers its key again, as an operator would.
 *
 * Recovery: from the data loss until every run submitted before it is terminal again.
 */

const WORKERS = 2;
const SLOTS = 4;
const RUNS = 12;
const RUN_MS = 6_000;
/** The production queue's attributes (its visibility timeout is the backstop behind the workers' own). */
const PROD_QUEUE = loadEnvironment('prod').queue;

export const loseRedisData: Scenario = {
  name: 'lose-redis-data',
  title: 'Redis restarts empty under the SQS driver: runs survive through their messages',
  run: async (context) => {
    const sqs = await startSqs(PROD_QUEUE);
    try {
      return await withSession(context, { name: 'lose-redis-data', slots: SLOTS, minWorkers: WORKERS, maxWorkers: WORKERS, env: sqs.env }, (session) =>
        scenario(session, context.progress),
      );
    } finally {
      await sqs.stop();
    }
  },
};

async function scenario(session: ChaosSession, progress: (message: string) => void): Promise<ScenarioReport> {
  const { dev, redis } = session;
  await waitFor(async () => (await dev.workers()).length === WORKERS, `${WORKERS} workers to register`, 90_000);
  progress(`submitting ${RUNS} runs of ${RUN_MS / 1000} s`);
  for (let i = 0; i < RUNS; i++) {
    const agent: ChaosAgent = i % 2 === 0 ? 'chaos-record' : 'chaos-record-module';
    await session.submit({ agent, durationMs: RUN_MS });
  }
  await waitFor(async () => (await statusesNow(session)).running.length === WORKERS * SLOTS, 'every slot to be running a run', 60_000);
  const atLoss = await statusesNow(session);

  progress(`SIGKILL redis-server and restart it empty (${atLoss.running.length} runs running, ${atLoss.queued.length} queued)`);
  const lostAt = performance.now();
  await redis.restart();
  await waitFor(() => dev.restoreApiKey().then(() => true), 'the chaos API key to be registered again', 30_000);

  const conclusion = await session.conclude(90_000);
  const recoverySeconds = conclusion.census.lost.length === 0 ? secondsSince(lostAt) : null;
  const status = (id: string) => conclusion.runs.get(id)?.status ?? 'missing (404)';
  const notSucceeded = (ids: readonly string[]) => ids.filter((id) => status(id) !== 'succeeded');
  const wrongQueued = notSucceeded(atLoss.queued);
  const wrongRunning = notSucceeded(atLoss.running);
  const depth = await dev.api.queue();
  // What the stack logged about each run that did not come back: the worker says what it did with it.
  const describe = (ids: readonly string[]) => ids.map((id) => `${id}: ${status(id)} (logged: ${dev.logMessagesAbout(id).join(' / ') || 'nothing'})`).join('; ');
  return {
    census: conclusion.census,
    executions: conclusion.executions,
    recoverySeconds,
    recoveryMeasures: 'from the data loss until every run submitted before it is terminal again',
    checks: [
      check('runs queued at the loss were rebuilt from their messages and succeeded', wrongQueued.length === 0, describe(wrongQueued)),
      check(
        'runs running at the loss were rebuilt from their messages and succeeded',
        wrongRunning.length === 0,
        `${wrongRunning.length} of ${atLoss.running.length}: ${describe(wrongRunning)}`,
      ),
      check('nothing was dead-lettered', depth.deadLettered === 0, `${depth.deadLettered} messages in the dead-letter queue`),
      check('the API, the scaler and the workers stayed up', dev.running && (await dev.workers()).length === WORKERS),
    ],
    settings: { queue: 'sqs (fauxqs)', redisPersistence: 'none', workers: WORKERS, slotsPerWorker: SLOTS, runs: RUNS, runSeconds: RUN_MS / 1000, queueVisibilityTimeoutSeconds: PROD_QUEUE.visibilityTimeoutSeconds, maxReceiveCount: PROD_QUEUE.maxReceiveCount, workerVisibilityAndLease: 'production defaults' },
    figures: { runningAtLoss: atLoss.running.length, queuedAtLoss: atLoss.queued.length, recoverySeconds },
    evidence: {
      runningAtLoss: atLoss.running.map((id) => ({ id, final: status(id), logged: dev.logMessagesAbout(id) })),
      queuedAtLoss: atLoss.queued.map((id) => ({ id, final: status(id), logged: dev.logMessagesAbout(id) })),
    },
  };
}

async function statusesNow(session: ChaosSession): Promise<{ running: string[]; queued: string[] }> {
  const running: string[] = [];
  const queued: string[] = [];
  for (const id of session.submitted) {
    const status = (await session.dev.record(id))?.status;
    if (status === 'running') running.push(id);
    else if (status === 'queued') queued.push(id);
  }
  return { running, queued };
}
