import type { RunObject } from '../harness/api-client.js';
import { check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosAgent, type ChaosSession } from '../harness/session.js';
import { AnswerLog, type Answer } from '../harness/answer-log.js';
import { RetryingClient } from '../harness/retrying-client.js';
import { secondsSince, sleep, waitFor } from '../harness/wait.js';

/**
 * Redis (run store and BullMQ queue alike) is SIGKILLed under load and comes back a few seconds later
 * with its data: an append-only file fsynced on every write, as a rebooted or failed-over ElastiCache
 * node with a synchronised replica would. (A failover to a lagging replica can lose the last writes;
 * that is not what this scenario models.) Lease and visibility keep their production defaults, both
 * longer than the outage, so no run should change hands.
 *
 * Meanwhile a client keeps submitting (each run with its Idempotency-Key, retried on 503 as
 * Retry-After says; a burst of submissions is in flight at the moment of the kill) and an observer
 * keeps reading. Every answer during the outage must be a 503 with Retry-After (never a 500, never a
 * hang); every run accepted before, during or after must succeed, none twice; no service may crash.
 *
 * Recovery: from Redis answering again until the API is ready, accepts a run, and a worker has
 * started an attempt (the platform takes and executes work again).
 */

const WORKERS = 2;
const SLOTS = 4;
const RUNS_BEFORE = 12;
const RUN_MS = 4_000;
/** Runs the client submits are short: the point is that they are accepted and run, not the load. */
const CLIENT_RUN_MS = 1_000;
const OUTAGE_MS = 5_000;
const SUBMIT_EVERY_MS = 250;
/** Client submissions keep coming this long after Redis is back. */
const CLIENT_AFTER_MS = 3_000;
/** Retry-After is honoured up to this long, so the client keeps probing through a short outage. */
const RETRY_CAP_MS = 2_000;
const CLIENT_GIVE_UP_MS = 60_000;
/** Submissions in flight at once when Redis dies: some are between recording the run and queueing it. */
const BURST_AT_KILL = 40;

export const restartRedis: Scenario = {
  name: 'restart-redis',
  title: 'Redis killed under load and restarted with its data',
  run: (context) =>
    withSession(context, { name: 'restart-redis', durableRedis: true, slots: SLOTS, minWorkers: WORKERS, maxWorkers: WORKERS }, async (session): Promise<ScenarioReport> => {
      const { dev, redis } = session;
      await waitFor(async () => (await dev.workers()).length === WORKERS, `${WORKERS} workers to register`, 90_000);
      context.progress(`submitting ${RUNS_BEFORE} runs of ${RUN_MS / 1000} s, then a client submitting every ${SUBMIT_EVERY_MS} ms`);
      for (let i = 0; i < RUNS_BEFORE; i++) await session.submit({ agent: agentFor(i), durationMs: RUN_MS });
      await waitFor(async () => (await dev.api.queue()).inFlight >= SLOTS, 'runs to be running', 60_000);

      const answers = new AnswerLog();
      const phase = { current: 'before' as 'before' | 'outage' | 'after' };
      const observing = observe(session, answers, () => phase.current);
      const client = new RetryingClient(session, answers, () => phase.current, {
        keyPrefix: 'chaos-restart-redis',
        everyMs: SUBMIT_EVERY_MS,
        retryCapMs: RETRY_CAP_MS,
        giveUpMs: CLIENT_GIVE_UP_MS,
        body: (index) => session.body({ agent: agentFor(index), durationMs: CLIENT_RUN_MS }),
      });
      const submitting = client.run();
      await sleep(1_000);

      context.progress(`a burst of ${BURST_AT_KILL} submissions, and SIGKILL redis-server under it for ${OUTAGE_MS / 1000} s`);
      const burstAt = Date.now();
      const burst = client.burst(BURST_AT_KILL);
      // Killed as the first of the burst is accepted: the rest are then at every stage of a submission.
      await waitFor(() => client.acceptedSince(burstAt), 'the first run of the burst to be accepted', 30_000, 1);
      phase.current = 'outage';
      const faultAt = performance.now();
      await redis.kill();
      await sleep(OUTAGE_MS);
      await redis.restart();
      const backAt = performance.now();
      const backAtMs = Date.now();
      phase.current = 'after';
      context.progress(`redis-server is back after ${secondsSince(faultAt).toFixed(1)} s`);

      let readySeconds: number | null = null;
      let acceptedSeconds: number | null = null;
      let executingSeconds: number | null = null;
      await waitFor(
        async () => {
          if (readySeconds === null && (await dev.api.request('GET', '/readyz')).status === 200) readySeconds = secondsSince(backAt);
          if (acceptedSeconds === null && client.acceptedSince(backAtMs)) acceptedSeconds = secondsSince(backAt);
          if (executingSeconds === null && (await attemptStartedSince(session, backAtMs))) executingSeconds = secondsSince(backAt);
          return readySeconds !== null && acceptedSeconds !== null && executingSeconds !== null;
        },
        'the platform to serve again',
        60_000,
      ).catch(() => undefined);
      await sleep(CLIENT_AFTER_MS);
      client.stop();
      await Promise.all([submitting, burst]);
      answers.stop();
      await observing;

      const conclusion = await session.conclude(90_000);
      const stranded = conclusion.census.lost.filter((id) => dev.logMessagesAbout(id).some((msg) => msg.includes('the run record could not be discarded')));
      const outage = answers.inPhase('outage');
      const isOther5xx = (a: Answer) => typeof a.status === 'number' && a.status >= 500 && a.status !== 503;
      // Successes are fine at the outage's very edges (asked just before the kill, or once Redis answered again).
      const breaksOutageRules = (a: Answer) => a.phase === 'outage' && (a.status === 'unreachable' || ![200, 202, 503].includes(a.status) || (a.status === 503 && !a.retryAfter));
      const recovered = [readySeconds, acceptedSeconds, executingSeconds];
      return {
        census: conclusion.census,
        executions: conclusion.executions,
        recoverySeconds: recovered.every((s) => s !== null) ? Math.max(...(recovered as number[])) : null,
        recoveryMeasures: 'from Redis answering again until the API is ready, has accepted a run and a worker has started an attempt',
        checks: [
          check('no answer was a 5xx other than 503 (never 500)', answers.count(isOther5xx) === 0, answers.describe(isOther5xx)),
          check('during the outage every answer was a 503 with Retry-After (no hang, no other error)', answers.count(breaksOutageRules) === 0, answers.describe(breaksOutageRules)),
          check('the API answered 503 during the outage (the outage was seen)', outage.some((a) => a.status === 503)),
          check('every request got an answer (none refused or timed out)', answers.count((a) => a.status === 'unreachable') === 0, answers.describe((a) => a.status === 'unreachable')),
          check('every submission the client retried through the outage was accepted in the end', client.unaccepted.length === 0, client.unaccepted.join('; ')),
          check(
            'no accepted run was left recorded but never queued',
            stranded.length === 0,
            `${stranded.length} run(s): Redis died between recording the run and queueing its message (the API logged "queue send failed and the run record could not be discarded"), and neither the client's retry with the same Idempotency-Key nor the outbox sweeper sent its message before the deadline`,
          ),
          check('every run succeeded', conclusion.census.byStatus.succeeded === conclusion.census.submitted, JSON.stringify(conclusion.census.byStatus)),
          check('no run changed hands (the outage is shorter than a lease): none took a second attempt', retried(conclusion.runs).length === 0, retried(conclusion.runs).join('; ')),
          check('the API, the scaler and the workers stayed up', dev.running && (await dev.workers()).length === WORKERS),
        ],
        settings: { workers: WORKERS, slotsPerWorker: SLOTS, runsBefore: RUNS_BEFORE, runSeconds: RUN_MS / 1000, clientRunSeconds: CLIENT_RUN_MS / 1000, outageSeconds: OUTAGE_MS / 1000, submitEveryMs: SUBMIT_EVERY_MS, burstAtKill: BURST_AT_KILL, redisPersistence: 'appendonly yes, appendfsync always', visibilityAndLease: 'production defaults' },
        figures: {
          readySeconds,
          acceptedSeconds,
          executingSeconds,
          answers: answers.count(() => true),
          answersDuringOutage: outage.length,
          answers503: answers.count((a) => a.status === 503),
          submittedDuringOutage: client.submittedDuring('outage'),
          clientRetries: client.retries,
          strandedRuns: stranded.length,
        },
        evidence: { strandedRuns: stranded },
      };
    }),
};

function agentFor(index: number): ChaosAgent {
  return index % 2 === 0 ? 'chaos-record' : 'chaos-record-module';
}

/** Reads what a dashboard would (/readyz, a run, the queue, the fleet) every 200 ms until stopped. */
async function observe(session: ChaosSession, answers: AnswerLog, phase: () => string): Promise<void> {
  const paths = ['/readyz', `/v1/runs/${session.submitted[0]}`, '/v1/runs?limit=5', '/v1/queue', '/v1/fleet'];
  while (answers.open) {
    await Promise.all(paths.map((path) => answers.record(phase(), `GET ${path}`, () => session.dev.api.request('GET', path))));
    await sleep(200);
  }
}

async function attemptStartedSince(session: ChaosSession, ms: number): Promise<boolean> {
  for (const id of session.submitted) {
    const record = await session.dev.record(id);
    if (record?.attempts.some((a) => Date.parse(a.startedAt) >= ms)) return true;
  }
  return false;
}

/** Runs with more than one attempt, as `id: [outcomes]`. */
function retried(runs: ReadonlyMap<string, RunObject | undefined>): string[] {
  return [...runs.values()]
    .filter((run): run is RunObject => run !== undefined && run.attempts.length > 1)
    .map((run) => `${run.id}: [${run.attempts.map((a) => `${a.outcome ?? 'open'}${a.error ? `(${a.error.type})` : ''}`).join(', ')}]`);
}
