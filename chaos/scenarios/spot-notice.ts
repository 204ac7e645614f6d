import { FakeImds } from '../harness/fake-imds.js';
import { check, type Check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosSession } from '../harness/session.js';
import { secondsSince, waitFor } from '../harness/wait.js';
import type { Execution } from '../harness/executions.js';

/**
 * One worker's instance gets a Spot interruption notice (from a fake IMDS: nothing local can produce
 * one) while every slot runs a long command agent. That worker must stop pulling at once, signal its
 * agents before the reclaim (so they may checkpoint), record the attempts `interrupted` and hand the
 * runs back; other workers (the replacement the local pool starts, as an ASG would) finish them.
 * The runs allow a single attempt (maxAttempts 1): they can only succeed if an interruption does not
 * count against it.
 *
 * Recovery: from the notice until every handed-back run is running again on another worker.
 */

const WORKERS = 2;
const SLOTS = 3;
const RUNS = WORKERS * SLOTS;
const RUN_MS = 15_000;
/** The reclaim comes this long after the notice (two minutes on EC2, shortened). */
const RECLAIM_AFTER_MS = 8_000;
const SPOT_DRAIN_MARGIN_SECONDS = 2;

export const spotNotice: Scenario = {
  name: 'spot-notice',
  title: 'Spot interruption notice on a busy worker',
  run: async (context) => {
    const imds = await FakeImds.start();
    try {
      return await withSession(
        context,
        {
          name: 'spot-notice',
          slots: SLOTS,
          minWorkers: WORKERS,
          // A fixed size: every worker then holds SLOTS runs, whichever instance gets the notice.
          maxWorkers: WORKERS,
          env: { IMDS_ENDPOINT: imds.endpoint, IMDS_POLL_SECONDS: '1', SPOT_DRAIN_MARGIN_SECONDS: String(SPOT_DRAIN_MARGIN_SECONDS) },
        },
        (session) => scenario(session, imds, context.progress),
      );
    } finally {
      await imds.close();
    }
  },
};

async function scenario(session: ChaosSession, imds: FakeImds, progress: (message: string) => void): Promise<ScenarioReport> {
  const { dev } = session;
  // Workers on EC2 read their instance id from IMDS at start and report it in the fleet registry.
  await waitFor(async () => (await dev.workers()).filter((w) => w.instanceId).length === WORKERS, `${WORKERS} workers reporting their instance ids`, 90_000);
  progress(`submitting ${RUNS} command-agent runs of ${RUN_MS / 1000} s with maxAttempts 1`);
  for (let i = 0; i < RUNS; i++) await session.submit({ agent: 'chaos-record', durationMs: RUN_MS, maxAttempts: 1 });
  await waitFor(async () => (await runningRuns(session)).length === RUNS, 'every run to be running', 90_000);

  const [target] = await dev.workers();
  if (!target?.instanceId) throw new Error('the fleet registry shows no worker with an instance id');
  const spotWorker = target.id;
  const held = (await runningRuns(session)).filter((r) => r.worker === spotWorker).map((r) => r.id);
  const reclaimAt = Date.now() + RECLAIM_AFTER_MS;
  progress(`Spot notice to ${target.instanceId} (worker ${spotWorker}, ${held.length} runs): reclaim in ${RECLAIM_AFTER_MS / 1000} s`);
  imds.noticeSpot(target.instanceId, new Date(reclaimAt));
  const noticedAt = performance.now();

  // The registry hears of the drain at the worker's next report (every 5 s); gone counts too.
  const drained = await waitFor(async () => !(await dev.workers()).some((w) => w.id === spotWorker && !w.draining), 'the noticed worker to report that it is draining', 30_000).then(
    () => true,
    () => false,
  );
  const drainingSeconds = drained ? secondsSince(noticedAt) : null;

  let recoverySeconds: number | null = null;
  await waitFor(
    async () => {
      for (const id of held) if (((await dev.record(id))?.attempts.length ?? 0) < 2) return false;
      recoverySeconds = secondsSince(noticedAt);
      return true;
    },
    'the handed-back runs to run again',
    90_000,
  ).catch(() => undefined);

  const conclusion = await session.conclude(120_000);
  const workersAfter = await dev.workers();
  const replaced = workersAfter.every((w) => w.id !== spotWorker) && workersAfter.length === WORKERS;
  const checks: Check[] = [
    check('every run succeeded', conclusion.census.byStatus.succeeded === RUNS, JSON.stringify(conclusion.census.byStatus)),
    check('the noticed worker stopped pulling (the registry shows it draining)', drained),
    ...(await handBackChecks(session, held, spotWorker, reclaimAt)),
    agentsSignalled(conclusion.journal, held),
    check('the noticed worker left the fleet and the pool is back at its size', replaced),
    check('the API and the scaler stayed up', dev.running),
  ];
  return {
    census: conclusion.census,
    executions: conclusion.executions,
    recoverySeconds,
    recoveryMeasures: 'from the Spot notice until every run the noticed worker handed back is running again on another worker',
    checks,
    settings: { workers: WORKERS, slotsPerWorker: SLOTS, runs: RUNS, runSeconds: RUN_MS / 1000, maxAttempts: 1, reclaimAfterSeconds: RECLAIM_AFTER_MS / 1000, SPOT_DRAIN_MARGIN_SECONDS, IMDS_POLL_SECONDS: 1 },
    figures: { handedBack: held.length, drainingSeconds, recoverySeconds },
  };
}

async function runningRuns(session: ChaosSession): Promise<{ id: string; worker: string }[]> {
  const running: { id: string; worker: string }[] = [];
  for (const id of session.submitted) {
    const record = await session.dev.record(id);
    const open = record?.status === 'running' ? record.attempts.at(-1) : undefined;
    if (open && open.outcome === undefined) running.push({ id, worker: open.worker });
  }
  return running;
}

async function handBackChecks(session: ChaosSession, held: readonly string[], spotWorker: string, reclaimAt: number): Promise<Check[]> {
  const wrong: string[] = [];
  const late: string[] = [];
  const others: string[] = [];
  for (const id of session.submitted) {
    const record = await session.dev.record(id);
    const attempts = record?.attempts ?? [];
    const shape = `${id}: [${attempts.map((a) => a.outcome ?? 'open').join(', ')}]`;
    if (!held.includes(id)) {
      if (attempts.length !== 1 || attempts[0]?.outcome !== 'succeeded') others.push(shape);
      continue;
    }
    const [interrupted, finished] = attempts;
    const ok =
      attempts.length === 2 &&
      interrupted?.outcome === 'interrupted' &&
      interrupted.worker === spotWorker &&
      finished?.outcome === 'succeeded' &&
      finished.worker !== spotWorker &&
      record?.status === 'succeeded';
    if (!ok) wrong.push(shape);
    if (interrupted?.finishedAt && Date.parse(interrupted.finishedAt) > reclaimAt) late.push(`${id} at ${interrupted.finishedAt}`);
  }
  return [
    check(
      'each run the noticed worker held shows `interrupted`, then `succeeded` on another worker, though it allows one attempt',
      held.length > 0 && wrong.length === 0,
      held.length === 0 ? 'the noticed worker held no runs' : wrong.join('; '),
    ),
    check('every interrupted attempt was recorded before the reclaim time', late.length === 0, late.join('; ')),
    check('runs on the other workers ran once and succeeded', others.length === 0, others.join('; ')),
  ];
}

/** The agents of the interrupted attempts got SIGTERM (the chance to checkpoint) rather than dying unwarned. */
function agentsSignalled(journal: readonly Execution[], held: readonly string[]): Check {
  const first = journal.filter((e) => held.includes(e.runId) && e.attempt === 1);
  const unsignalled = first.filter((e) => e.outcome !== 'stopped');
  return check(
    "the interrupted agents were signalled before the reclaim (they journalled their stop)",
    first.length === held.length && unsignalled.length === 0,
    `${first.length} first executions journalled for ${held.length} runs; not stopped by a signal: ${unsignalled.map((e) => `${e.runId} (${e.outcome})`).join(', ')}`,
  );
}
