import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { asBullmqConnection, JOB_NAME } from '../../services/core/queue/bullmq-jobs.js';
import { check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosAgent, type RunRequest } from '../harness/session.js';
import { secondsSince, waitFor } from '../harness/wait.js';

/**
 * A hundred messages no agentfleet API would send are put straight into the queue (BullMQ's own
 * client, the way a buggy or foreign producer would), between two batches of fifty good runs: bodies
 * that are not JSON, an unknown message version, missing and mistyped fields, and jobs with no body.
 * Each must end in the dead-letter queue with its body intact and a reason; the workers must go on
 * (no crash, no restart) and every good run must succeed once.
 *
 * Recovery: from the injection until every poison message is in the dead-letter queue and nothing
 * is left waiting in the queue.
 */

const WORKERS = 2;
const SLOTS = 4;
const GOOD_RUNS_EACH_SIDE = 50;
const POISON_MESSAGES = 100;
const RUN_MS = 300;

const message = (fields: Record<string, unknown>) =>
  JSON.stringify({ v: 1, tenant: 'chaos', agent: 'chaos-record-module', input: {}, timeoutSeconds: 60, maxAttempts: 1, attempt: 1, ...fields });

/**
 * What a foreign or broken producer might put in the queue, each kind made unique by its number `n`
 * (in the body, or beside it where the body cannot hold one), so each message is told apart by its data.
 */
const POISON_KINDS: readonly { what: string; data(n: number): Record<string, unknown> }[] = [
  { what: 'a body that is not JSON', data: (n) => ({ body: `{"v":1,"runId":"poison-${n}", cut off here` }) },
  { what: 'binary garbage', data: (n) => ({ body: `\u0000\u0001\u00ff poison-${n} \ud83d` }) },
  { what: 'an empty body', data: (n) => ({ body: '', n }) },
  { what: 'JSON that is not an object', data: (n) => ({ body: `["poison-${n}"]` }) },
  { what: 'an unknown message version', data: (n) => ({ body: message({ v: 99, runId: `poison-${n}` }) }) },
  { what: 'a v1 message without runId', data: (n) => ({ body: message({ runId: undefined, note: `poison-${n}` }) }) },
  { what: 'a v1 message with a mistyped field', data: (n) => ({ body: message({ runId: `poison-${n}`, timeoutSeconds: 'soon' }) }) },
  { what: 'a job with no body (not sent by an agentfleet driver)', data: (n) => ({ payload: `poison-${n}` }) },
];

const POISON = Array.from({ length: POISON_MESSAGES }, (_, n) => {
  const kind = POISON_KINDS[n % POISON_KINDS.length]!;
  return { what: `${kind.what} (#${n})`, data: kind.data(n) };
});

export const poison: Scenario = {
  name: 'poison',
  title: 'Poison messages injected into the queue among good runs',
  run: (context) =>
    withSession(context, { name: 'poison', slots: SLOTS, minWorkers: WORKERS, maxWorkers: WORKERS }, async (session): Promise<ScenarioReport> => {
      const { dev } = session;
      await waitFor(async () => (await dev.workers()).length === WORKERS, `${WORKERS} workers to register`, 90_000);
      const workersBefore = (await dev.workers()).map((w) => w.id).sort();
      const connection = new Redis(session.redis.url, { maxRetriesPerRequest: null });
      const queue = new Queue('chaos-poison', { connection: asBullmqConnection(connection), skipVersionCheck: true });
      try {
        context.progress(`${GOOD_RUNS_EACH_SIDE} good runs, ${POISON.length} poison messages straight into the queue, ${GOOD_RUNS_EACH_SIDE} more good runs`);
        const good = (agent: ChaosAgent) => Array.from({ length: GOOD_RUNS_EACH_SIDE }, (): RunRequest => ({ agent, durationMs: RUN_MS, maxAttempts: 1 }));
        await session.submitMany(good('chaos-record-module'));
        const injectedAt = performance.now();
        await queue.addBulk(POISON.map((item) => ({ name: JOB_NAME, data: item.data })));
        await session.submitMany(good('chaos-record'));

        let recoverySeconds: number | null = null;
        await waitFor(
          async () => {
            const depth = await dev.api.queue();
            if (depth.deadLettered < POISON.length || depth.visible + depth.inFlight + depth.delayed > 0) return false;
            recoverySeconds = secondsSince(injectedAt);
            return true;
          },
          'the poison to be dead-lettered and the queue drained',
          90_000,
        ).catch(() => undefined);

        const conclusion = await session.conclude(60_000);
        const deadLetters = await queue.getFailed(0, 1_000);
        const unmatched = POISON.filter((item) => !deadLetters.some((job) => sameData(job.data, item.data) && job.failedReason));
        const foreign = deadLetters.filter((job) => !POISON.some((item) => sameData(job.data, item.data)));
        const workersAfter = (await dev.workers()).map((w) => w.id).sort();
        const wrongRuns = [...conclusion.runs.values()].filter((run) => !run || run.status !== 'succeeded' || run.attempts.length !== 1);
        return {
          census: conclusion.census,
          executions: conclusion.executions,
          recoverySeconds,
          recoveryMeasures: 'from the injection until every poison message is in the dead-letter queue and nothing waits in the queue',
          checks: [
            check('every good run succeeded on its first attempt', wrongRuns.length === 0, wrongRuns.map((r) => (r ? `${r.id}: ${r.status} after ${r.attempts.length} attempts` : 'a run is missing')).join('; ')),
            check(
              'every poison message is in the dead-letter queue, body intact, with a reason',
              unmatched.length === 0,
              `${unmatched.length} not found: ${unmatched.slice(0, 20).map((item) => item.what).join(', ')}`,
            ),
            check('nothing but the poison was dead-lettered', foreign.length === 0, foreign.slice(0, 20).map((job) => `${job.id}: ${job.failedReason}`).join('; ')),
            check('the workers kept going: the same workers before and after, none restarted', sameList(workersBefore, workersAfter) && !/local worker exited/.test(dev.output()), `before ${workersBefore.join(', ')}; after ${workersAfter.join(', ')}`),
            check('the API and the scaler stayed up', dev.running),
          ],
          settings: { workers: WORKERS, slotsPerWorker: SLOTS, goodRuns: 2 * GOOD_RUNS_EACH_SIDE, poisonMessages: POISON.length, poisonKinds: POISON_KINDS.length, runMs: RUN_MS },
          figures: { deadLettered: deadLetters.length },
          evidence: {
            // One of each kind: the other messages of a kind are dead-lettered for the same reason.
            deadLetters: POISON.slice(0, POISON_KINDS.length).map((item) => ({ injected: item.what, reason: deadLetters.find((job) => sameData(job.data, item.data))?.failedReason ?? null })),
          },
        };
      } finally {
        await queue.close();
        connection.disconnect();
      }
    }),
};

function sameData(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
