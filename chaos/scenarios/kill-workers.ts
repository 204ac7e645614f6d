import { descendantsOf } from '../../services/worker/agents/process-tree.js';
import { pidOfWorker } from '../harness/dev-stack.js';
import { check, type Check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosAgent, type ChaosSession } from '../harness/session.js';
import { secondsSince, waitFor } from '../harness/wait.js';

/**
 * Worker processes die mid-run (SIGKILL: no drain, no goodbye) while they hold runs of both agent
 * kinds. The local pool replaces them; the runs they held come back when their queue visibility
 * lapses, and the next attempt records the lost one as `worker_lost`. Every run must succeed, the
 * held ones with a `worker_lost` attempt and then a success elsewhere, and no agent may run on
 * after its worker died.
 *
 * Recovery: from the kill until the pool is back at its size and every held run is running again on
 * a live worker. Its length is set by VISIBILITY_SECONDS (a dead worker's messages reappear only when
 * their visibility lapses), shortened here; with the production 900 s it is up to 15 minutes.
 */

const WORKERS = 3;
const SLOTS = 4;
const RUNS = 24;
const RUN_MS = 8_000;
const VICTIMS = 2;
const VISIBILITY_SECONDS = 10;
const LEASE_SECONDS = 5;
const RUNNING_BEFORE_KILL = 8;

export const killWorkers: Scenario = {
  name: 'kill-workers',
  title: 'SIGKILL worker processes mid-run',
  run: (context) =>
    withSession(
      context,
      {
        name: 'kill-workers',
        slots: SLOTS,
        minWorkers: WORKERS,
        maxWorkers: WORKERS,
        env: { VISIBILITY_SECONDS: String(VISIBILITY_SECONDS), LEASE_SECONDS: String(LEASE_SECONDS) },
      },
      async (session): Promise<ScenarioReport> => {
        const { dev } = session;
        await waitFor(async () => (await dev.workers()).length === WORKERS, `${WORKERS} workers to register`, 90_000);
        context.progress(`submitting ${RUNS} runs of ${RUN_MS / 1000} s (command and module agents alternating)`);
        for (let i = 0; i < RUNS; i++) {
          const agent: ChaosAgent = i % 2 === 0 ? 'chaos-record' : 'chaos-record-module';
          await session.submit({ agent, durationMs: RUN_MS, maxAttempts: 3 });
        }
        await waitFor(async () => (await runningByWorker(session)).total >= RUNNING_BEFORE_KILL, `${RUNNING_BEFORE_KILL} runs to be running`, 90_000);

        const { byWorker } = await runningByWorker(session);
        const victims = [...byWorker.entries()].sort((a, b) => b[1].length - a[1].length).slice(0, VICTIMS).map(([worker]) => worker);
        const descendants = new Set((await descendantsOf(dev.pid)).map((p) => p.pid));
        const pids = victims.map((id) => {
          const pid = pidOfWorker(id);
          // Only ever a process of this stack: never a pid that merely looks right.
          if (pid === undefined || !descendants.has(pid)) throw new Error(`worker ${id} is not a process of this agentfleet dev`);
          return pid;
        });
        context.progress(`SIGKILL workers ${pids.join(', ')}`);
        for (const pid of pids) process.kill(pid, 'SIGKILL');
        const killedAt = performance.now();
        // Taken after the kill: a dead worker's open attempts stay as they are until another worker takes over.
        const held = (await runningByWorker(session)).runsOf(victims);
        context.progress(`${held.length} runs were held by the killed workers`);

        let fleetBackSeconds: number | null = null;
        let runsBackSeconds: number | null = null;
        await waitFor(
          async () => {
            if (fleetBackSeconds === null && (await liveReplacements(session, victims)) === WORKERS) fleetBackSeconds = secondsSince(killedAt);
            if (runsBackSeconds === null && (await allTakenOver(session, held))) runsBackSeconds = secondsSince(killedAt);
            return fleetBackSeconds !== null && runsBackSeconds !== null;
          },
          'the pool to be back at its size and the held runs to run again',
          120_000,
        ).catch(() => undefined);

        // An agent that outlived its worker ends RUN_MS after it started, long before the takeover attempts do.
        const final = await session.conclude(90_000);
        const checks: Check[] = [
          check('every run succeeded', final.census.byStatus.succeeded === RUNS, JSON.stringify(final.census.byStatus)),
          check(`the local pool replaced the killed workers (${WORKERS} live workers again)`, fleetBackSeconds !== null),
          ...(await takeoverChecks(session, held, victims)),
          check(
            'no agent kept running after its worker was killed',
            final.executions.orphaned.length === 0,
            `${final.executions.orphaned.length} agent execution(s) outlived their SIGKILLed worker and ran to their end: ${final.executions.orphaned
              .map((e) => `${e.agent} agent pid ${e.pid} (run ${e.runId} attempt ${e.attempt}, ${e.outcome})`)
              .join('; ')}`,
          ),
          check('the API and the scaler stayed up', dev.running),
        ];
        const recovery = fleetBackSeconds !== null && runsBackSeconds !== null ? Math.max(fleetBackSeconds, runsBackSeconds) : null;
        return {
          census: final.census,
          executions: final.executions,
          recoverySeconds: recovery,
          recoveryMeasures: 'from the SIGKILL until the pool is back at its size and every run the killed workers held is running again on a live worker',
          checks,
          settings: { workers: WORKERS, slotsPerWorker: SLOTS, runs: RUNS, runSeconds: RUN_MS / 1000, killed: VICTIMS, VISIBILITY_SECONDS, LEASE_SECONDS },
          figures: { heldRuns: held.length, fleetBackSeconds, runsBackSeconds },
          evidence: { killedWorkers: victims, heldRuns: held },
        };
      },
    ),
};

interface RunningRuns {
  byWorker: Map<string, string[]>;
  total: number;
  runsOf(workers: readonly string[]): string[];
}

/** Running runs grouped by the worker of their open attempt (from the run records). */
async function runningByWorker(session: ChaosSession): Promise<RunningRuns> {
  const byWorker = new Map<string, string[]>();
  let total = 0;
  for (const id of session.submitted) {
    const record = await session.dev.record(id);
    const open = record?.status === 'running' ? record.attempts.at(-1) : undefined;
    if (!open || open.outcome !== undefined) continue;
    byWorker.set(open.worker, [...(byWorker.get(open.worker) ?? []), id]);
    total += 1;
  }
  return { byWorker, total, runsOf: (workers: readonly string[]) => workers.flatMap((w) => byWorker.get(w) ?? []) };
}

/** Live workers in the registry that are not among the killed ones (whose entries linger until stale). */
async function liveReplacements(session: ChaosSession, killed: readonly string[]): Promise<number> {
  const workers = await session.dev.workers();
  return workers.filter((w) => !killed.includes(w.id) && isAlive(pidOfWorker(w.id))).length;
}

/** Every held run has an attempt after the lost one (running or done). */
async function allTakenOver(session: ChaosSession, held: readonly string[]): Promise<boolean> {
  for (const id of held) {
    const attempts = (await session.dev.record(id))?.attempts ?? [];
    if (attempts.length < 2) return false;
  }
  return true;
}

async function takeoverChecks(session: ChaosSession, held: readonly string[], victims: readonly string[]): Promise<Check[]> {
  const wrongHeld: string[] = [];
  const wrongOthers: string[] = [];
  for (const id of session.submitted) {
    const record = await session.dev.record(id);
    const attempts = record?.attempts ?? [];
    const shape = attempts.map((a) => `${a.outcome ?? 'open'}${a.error ? `(${a.error.type})` : ''}`).join(', ');
    if (held.includes(id)) {
      const [lost, retried] = attempts;
      const ok =
        attempts.length === 2 &&
        lost?.outcome === 'failed' &&
        lost.error?.type === 'worker_lost' &&
        victims.includes(lost.worker) &&
        retried?.outcome === 'succeeded' &&
        !victims.includes(retried.worker);
      if (!ok) wrongHeld.push(`${id}: [${shape}]`);
    } else if (attempts.length !== 1 || attempts[0]?.outcome !== 'succeeded') {
      wrongOthers.push(`${id}: [${shape}]`);
    }
  }
  return [
    check('each run a killed worker held shows a worker_lost attempt, then succeeded on another worker', held.length > 0 && wrongHeld.length === 0, held.length === 0 ? 'the killed workers held no runs' : wrongHeld.join('; ')),
    check('runs the killed workers did not hold ran once and succeeded', wrongOthers.length === 0, wrongOthers.join('; ')),
  ];
}

function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
