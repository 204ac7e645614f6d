import type { WorkerStatus } from '../../services/core/fleet/worker-registry.js';
import { check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosSession } from '../harness/session.js';
import { secondsSince, sleep, waitFor } from '../harness/wait.js';

/**
 * A burst of failing runs (a broken downstream, as far as the worker can tell) trips the worker's
 * circuit breaker: it stops pulling, says so in the fleet registry and raises the
 * `worker_circuit_open` alert. Good runs submitted meanwhile wait in the queue; after the cooldown
 * (shortened by BREAKER_COOLDOWN_SECONDS) a probe run goes through, the breaker closes and every good
 * run succeeds. The failing runs end `failed` after their one attempt.
 *
 * Recovery: from the breaker opening (as the registry shows it) until every good run has succeeded.
 */

const SLOTS = 2;
const FAILING_RUNS = 6;
const GOOD_RUNS = 6;
const RUN_MS = 200;
const BREAKER = { BREAKER_ERROR_PERCENT: 50, BREAKER_MIN_ATTEMPTS: FAILING_RUNS, BREAKER_WINDOW_SECONDS: 60, BREAKER_COOLDOWN_SECONDS: 8 };

export const breaker: Scenario = {
  name: 'breaker',
  title: 'A burst of failing runs trips the circuit breaker',
  run: (context) =>
    withSession(
      context,
      { name: 'breaker', slots: SLOTS, minWorkers: 1, maxWorkers: 1, env: Object.fromEntries(Object.entries(BREAKER).map(([k, v]) => [k, String(v)])) },
      async (session): Promise<ScenarioReport> => {
        const { dev } = session;
        await waitFor(async () => (await dev.workers()).length === 1, 'the worker to register', 90_000);
        context.progress(`${FAILING_RUNS} failing runs to trip the breaker (over ${BREAKER.BREAKER_ERROR_PERCENT}% of at least ${BREAKER.BREAKER_MIN_ATTEMPTS} attempts)`);
        const failing: string[] = [];
        for (let i = 0; i < FAILING_RUNS; i++) failing.push((await session.submit({ agent: 'chaos-record-module', durationMs: RUN_MS, fail: true, maxAttempts: 1 })).id);

        const opened = await waitFor(async () => (await breakerState(session)) === 'open', 'the breaker to open', 60_000).then(
          () => true,
          () => false,
        );
        const openedAt = performance.now();
        context.progress(`breaker ${opened ? 'open' : 'did NOT open'}; submitting ${GOOD_RUNS} good runs`);
        const good: string[] = [];
        for (let i = 0; i < GOOD_RUNS; i++) good.push((await session.submit({ agent: 'chaos-record-module', durationMs: RUN_MS, maxAttempts: 1 })).id);

        // Half the cooldown later the breaker must still be open and the good runs untouched.
        await sleep((BREAKER.BREAKER_COOLDOWN_SECONDS * 1000) / 2);
        const stillOpen = (await breakerState(session)) === 'open';
        const waitingWhileOpen = await statuses(session, good);
        const heldBack = stillOpen && waitingWhileOpen.every((status) => status === 'queued');

        let closedSeconds: number | null = null;
        let recoverySeconds: number | null = null;
        await waitFor(
          async () => {
            if (closedSeconds === null && (await breakerState(session)) === 'closed') closedSeconds = secondsSince(openedAt);
            if ((await statuses(session, good)).every((status) => status === 'succeeded')) recoverySeconds = secondsSince(openedAt);
            return recoverySeconds !== null && closedSeconds !== null;
          },
          'the breaker to close and the good runs to succeed',
          90_000,
        ).catch(() => undefined);

        const conclusion = await session.conclude(60_000);
        const failed = failing.filter((id) => conclusion.runs.get(id)?.status === 'failed' && conclusion.runs.get(id)?.attempts.length === 1);
        const succeeded = good.filter((id) => conclusion.runs.get(id)?.status === 'succeeded');
        const alerted = /"alert":"worker_circuit_open"/.test(dev.output());
        return {
          census: conclusion.census,
          executions: conclusion.executions,
          recoverySeconds,
          recoveryMeasures: 'from the breaker opening (as the fleet registry shows it) until every good run submitted meanwhile has succeeded',
          checks: [
            check('the failing burst opened the breaker (the fleet registry shows it open)', opened),
            check('the worker raised the worker_circuit_open alert', alerted),
            check('while open, the worker took no work: good runs stayed queued', heldBack, `breaker ${stillOpen ? 'open' : 'not open'} at half the cooldown; good runs: ${waitingWhileOpen.join(', ')}`),
            check('after the cooldown the breaker closed again', closedSeconds !== null),
            check('every good run succeeded', succeeded.length === GOOD_RUNS, `${succeeded.length} of ${GOOD_RUNS}`),
            check('every failing run failed after its one attempt', failed.length === FAILING_RUNS, `${failed.length} of ${FAILING_RUNS}`),
            check('the API, the scaler and the worker stayed up', dev.running && (await dev.workers()).length === 1),
          ],
          settings: { workers: 1, slotsPerWorker: SLOTS, failingRuns: FAILING_RUNS, goodRuns: GOOD_RUNS, runMs: RUN_MS, ...BREAKER },
          figures: { breakerOpenSeconds: closedSeconds, recoverySeconds },
        };
      },
    ),
};

async function breakerState(session: ChaosSession): Promise<WorkerStatus['breaker'] | undefined> {
  return (await session.dev.workers())[0]?.breaker;
}

async function statuses(session: ChaosSession, ids: readonly string[]): Promise<string[]> {
  return Promise.all(ids.map(async (id) => (await session.dev.api.run(id))?.status ?? 'missing'));
}
