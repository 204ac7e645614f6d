import { FakeImds } from '../harness/fake-imds.js';
import { check, type Check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosAgent, type ChaosSession } from '../harness/session.js';
import { secondsSince, waitFor } from '../harness/wait.js';
import { resumptionsOf, type Execution } from '../harness/executions.js';

/**
 * One worker's instance gets a Spot interruption notice (from a fake IMDS: nothing local can produce
 * one) while every slot runs a long agent that writes a checkpoint every few seconds (command and
 * module agents alternating). The notice gives EC2's two minutes, and the worker keeps its production
 * settings (IMDS polled every 5 s, the drain ending 20 s before the reclaim): it stops pulling at once,
 * lets its runs go on until the drain's end, then signals its agents (which write a last checkpoint),
 * records the attempts `interrupted` and hands the runs back. Other workers (the replacement the local
 * pool starts, as an ASG would) resume each run from the last checkpoint its interrupted attempt
 * wrote, and do only the rest of its work. The runs allow a single attempt (maxAttempts 1): they can
 * only succeed if an interruption does not count against it.
 *
 * Recovery: from the hand-back (the first attempt recorded `interrupted`) until every handed-back run
 * is running again on another worker.
 */

const WORKERS = 2;
const SLOTS = 3;
const RUNS = WORKERS * SLOTS;
/** Longer than the notice's two minutes less the drain margin, so the runs are still going at the drain's end. */
const RUN_MS = 140_000;
const CHECKPOINT_EVERY_MS = 5_000;
const RUN_TIMEOUT_SECONDS = 600;
/** The reclaim comes two minutes after the notice, as on EC2. */
const RECLAIM_AFTER_MS = 120_000;

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
          env: { IMDS_ENDPOINT: imds.endpoint },
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
  progress(`submitting ${RUNS} runs of ${RUN_MS / 1000} s, a checkpoint every ${CHECKPOINT_EVERY_MS / 1000} s, maxAttempts 1`);
  for (let i = 0; i < RUNS; i++) {
    const agent: ChaosAgent = i % 2 === 0 ? 'chaos-record' : 'chaos-record-module';
    await session.submit({ agent, durationMs: RUN_MS, checkpointEveryMs: CHECKPOINT_EVERY_MS, maxAttempts: 1, timeoutSeconds: RUN_TIMEOUT_SECONDS });
  }
  await waitFor(async () => (await runningRuns(session)).length === RUNS, 'every run to be running', 90_000);

  const [target] = await dev.workers();
  if (!target?.instanceId) throw new Error('the fleet registry shows no worker with an instance id');
  const spotWorker = target.id;
  const held = (await runningRuns(session)).filter((r) => r.worker === spotWorker).map((r) => r.id);
  const reclaimAt = Date.now() + RECLAIM_AFTER_MS;
  progress(`Spot notice to ${target.instanceId} (worker ${spotWorker}, ${held.length} runs): reclaim in ${RECLAIM_AFTER_MS / 1000} s`);
  imds.noticeSpot(target.instanceId, new Date(reclaimAt));
  const noticedAt = performance.now();
  const noticedAtMs = Date.now();

  // The registry hears of the drain at the worker's next report (every 5 s); gone counts too.
  const drained = await waitFor(async () => !(await dev.workers()).some((w) => w.id === spotWorker && !w.draining), 'the noticed worker to report that it is draining', 30_000).then(
    () => true,
    () => false,
  );
  const drainingSeconds = drained ? secondsSince(noticedAt) : null;

  await waitFor(
    async () => (await Promise.all(held.map((id) => dev.record(id)))).every((record) => (record?.attempts.length ?? 0) >= 2),
    'the handed-back runs to run again',
    RECLAIM_AFTER_MS + 90_000,
    1_000,
  ).catch(() => undefined);

  const conclusion = await session.conclude(RUN_MS + 60_000);
  const records = await Promise.all(held.map((id) => dev.record(id)));
  const handedBackAt = Math.min(...records.map((record) => Date.parse(record?.attempts[0]?.finishedAt ?? '')));
  const runningAgainAt = Math.max(...records.map((record) => Date.parse(record?.attempts[1]?.startedAt ?? '')));
  const measured = Number.isFinite(handedBackAt) && Number.isFinite(runningAgainAt);
  const recoverySeconds = measured ? (runningAgainAt - handedBackAt) / 1000 : null;
  const workersAfter = await dev.workers();
  const replaced = workersAfter.every((w) => w.id !== spotWorker) && workersAfter.length === WORKERS;
  const checks: Check[] = [
    check('every run succeeded', conclusion.census.byStatus.succeeded === RUNS, JSON.stringify(conclusion.census.byStatus)),
    check('the noticed worker stopped pulling (the registry shows it draining)', drained),
    ...(await handBackChecks(session, held, spotWorker, reclaimAt)),
    agentsSignalled(conclusion.journal, held),
    resumedFromLastCheckpoint(conclusion.journal, held),
    check('the noticed worker left the fleet and the pool is back at its size', replaced),
    check('the API and the scaler stayed up', dev.running),
  ];
  return {
    census: conclusion.census,
    executions: conclusion.executions,
    recoverySeconds,
    recoveryMeasures: 'from the hand-back (the first attempt recorded interrupted) until every run the noticed worker handed back is running again on another worker',
    checks,
    settings: { workers: WORKERS, slotsPerWorker: SLOTS, runs: RUNS, runSeconds: RUN_MS / 1000, checkpointEverySeconds: CHECKPOINT_EVERY_MS / 1000, maxAttempts: 1, reclaimAfterSeconds: RECLAIM_AFTER_MS / 1000, drainAndPolling: 'production defaults' },
    figures: { handedBack: held.length, drainingSeconds, noticeToHandBackSeconds: measured ? (handedBackAt - noticedAtMs) / 1000 : null, recoverySeconds },
    evidence: { resumptions: resumptionsOf(conclusion.journal.filter((e) => held.includes(e.runId))) },
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

/** Each handed-back run's next attempt started from the last checkpoint its interrupted attempt wrote. */
function resumedFromLastCheckpoint(journal: readonly Execution[], held: readonly string[]): Check {
  const resumptions = resumptionsOf(journal.filter((e) => held.includes(e.runId)));
  const wrong = resumptions.filter((r) => !r.fromLast || !r.resumedFrom);
  return check(
    'each interrupted run resumed on another worker from the last checkpoint written before the interruption',
    resumptions.length === held.length && wrong.length === 0,
    `${resumptions.length} resumptions journalled for ${held.length} runs; wrong: ${wrong.map((r) => `${r.runId} attempt ${r.attempt} started from ${r.resumedFrom ?? 'nothing'} ms, last written ${r.lastWritten ?? 'none'}`).join('; ')}`,
  );
}
