import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerStatus } from '../../services/core/fleet/worker-registry.js';
import type { Run } from '../../services/core/run/model.js';
import { check, type Check, type ScenarioReport } from '../harness/result.js';
import type { Scenario } from '../harness/scenario.js';
import { withSession, type ChaosSession, type RunRequest } from '../harness/session.js';
import { secondsSince, sleep, waitFor } from '../harness/wait.js';

/**
 * A failing agent next to a healthy one. The dependency of agent `chaos-flaky` is down (its runs fail
 * while a fault file exists), and agent `chaos-record-module` is fine; a client keeps submitting
 * runs of the healthy agent throughout. The failing agent's own breaker opens on every worker: its
 * runs go back to the queue with a delay, their attempts not spent, while the healthy agent's runs
 * keep finishing and no worker stops taking work (the platform breaker stays closed). Then the
 * dependency comes back (the scenario removes the fault file: an agent's bad day ends, so the
 * scenario ends within minutes instead of one probe per cooldown per held run); after the cooldown a
 * probe succeeds, the breaker closes and the held-back runs succeed. Runs that spent their attempts
 * while the dependency was down end `failed` after exactly maxAttempts.
 *
 * Production breaker settings: more than 10 % of at least 20 attempts failing within 300 s opens it,
 * and it probes again after 60 s.
 *
 * Recovery: from the dependency coming back until every run of the failing agent is terminal.
 */

const WORKERS = 2;
const SLOTS = 4;
const FAILING_AGENT = 'chaos-flaky';
const HEALTHY_AGENT = 'chaos-record-module';
/** Enough for 20 attempts on each worker and some left over to be held back. */
const FAILING_RUNS = 60;
/** Alternating: a run allowed one attempt that fails before the breaker opens has spent them all. */
const MAX_ATTEMPTS = [1, 2] as const;
const FAILING_RUN_MS = 500;
const HEALTHY_RUN_MS = 1_000;
const HEALTHY_EVERY_MS = 1_000;
/** How long the scenario watches the open breaker before the dependency comes back: half the 60 s cooldown. */
const WATCH_OPEN_MS = 30_000;
/** Healthy runs submitted this long before the end of the watch must have finished by its end. */
const HEALTHY_SLACK_MS = 10_000;

type BreakerState = WorkerStatus['breaker'];

export const breaker: Scenario = {
  name: 'breaker',
  title: "A failing agent's breaker opens; a healthy agent keeps running",
  run: (context) => {
    const faultFile = join(context.logDir, 'breaker.dependency-down');
    writeFileSync(faultFile, 'the failing agent fails while this file exists\n');
    return withSession(context, { name: 'breaker', slots: SLOTS, minWorkers: WORKERS, maxWorkers: WORKERS }, (session) =>
      scenario(session, faultFile, context.progress),
    ).finally(() => rmSync(faultFile, { force: true }));
  },
};

async function scenario(session: ChaosSession, faultFile: string, progress: (message: string) => void): Promise<ScenarioReport> {
  const { dev } = session;
  await waitFor(async () => (await dev.workers()).length === WORKERS, `${WORKERS} workers to register`, 90_000);
  const watch = new FleetWatch(session);
  const healthy = new HealthyClient(session);
  const streaming = healthy.run();

  progress(`${FAILING_RUNS} runs of ${FAILING_AGENT} (its dependency down, maxAttempts ${MAX_ATTEMPTS.join(' or ')}) beside a stream of ${HEALTHY_AGENT} runs`);
  const failingRequests = Array.from({ length: FAILING_RUNS }, (_, i): RunRequest => ({
    agent: FAILING_AGENT,
    durationMs: FAILING_RUN_MS,
    failWhile: faultFile,
    maxAttempts: MAX_ATTEMPTS[i % MAX_ATTEMPTS.length],
  }));
  const failing = (await session.submitMany(failingRequests)).map((run) => run.id);
  const opened = await waitFor(async () => (await watch.agentBreakers()).every((state) => state === 'open'), `${FAILING_AGENT}'s breaker to open on every worker`, 120_000, 500).then(
    () => true,
    () => false,
  );
  const openedAt = Date.now();
  progress(`${FAILING_AGENT}'s breaker ${opened ? 'open on every worker' : 'did NOT open on every worker'}; watching for ${WATCH_OPEN_MS / 1000} s`);
  const attemptsBefore = await attemptsStarted(session, failing);
  await sleep(WATCH_OPEN_MS);
  const watchEnd = Date.now();
  const attemptsWhileOpen = (await attemptsStarted(session, failing)) - attemptsBefore;
  const stillOpen = (await watch.agentBreakers()).every((state) => state === 'open');
  const healthyWhileOpen = await healthy.finishedBetween(openedAt, watchEnd);
  const healthyLate = await healthy.unfinishedSubmittedBefore(watchEnd - HEALTHY_SLACK_MS);

  progress('the dependency is back (fault file removed)');
  rmSync(faultFile, { force: true });
  const clearedAt = Date.now();
  const cleared = performance.now();
  let recoverySeconds: number | null = null;
  await waitFor(
    async () => {
      const runs = await Promise.all(failing.map((id) => dev.api.run(id)));
      if (!runs.every((run) => run && ['succeeded', 'failed'].includes(run.status))) return false;
      recoverySeconds = secondsSince(cleared);
      return true;
    },
    `every run of ${FAILING_AGENT} to end`,
    180_000,
    1_000,
  ).catch(() => undefined);
  const closed = await waitFor(async () => (await watch.agentBreakers()).every((state) => state === 'closed'), `${FAILING_AGENT}'s breaker to close`, 30_000, 500).then(
    () => true,
    () => false,
  );
  healthy.stop();
  await streaming;
  watch.stop();

  const conclusion = await session.conclude(60_000);
  const records = new Map(await Promise.all(failing.map(async (id) => [id, await dev.record(id)] as const)));
  const verdicts = [...records].map(([id, record]) => failingRunVerdict(id, record, clearedAt));
  const wrong = verdicts.filter((v) => v.kind === 'wrong');
  const heldBack = verdicts.filter((v) => v.kind === 'succeeded after the dependency came back');
  const spent = verdicts.filter((v) => v.kind === 'failed after maxAttempts');
  const healthyWrong = [...conclusion.runs].filter(([id, run]) => healthy.ids.has(id) && (run?.status !== 'succeeded' || run.attempts.length !== 1));
  const alerts = alertsLogged(dev.output());
  const checks: Check[] = [
    check(`${FAILING_AGENT}'s breaker opened on every worker (fleet registry)`, opened),
    check(`each worker raised the agent_circuit_open alert for ${FAILING_AGENT}, and no worker_circuit_open`, alerts.agent >= WORKERS && alerts.worker === 0, `${alerts.agent} agent alerts, ${alerts.worker} worker alerts logged`),
    check('while it was open, no run of the failing agent started an attempt', stillOpen && attemptsWhileOpen === 0, `still open after ${WATCH_OPEN_MS / 1000} s: ${stillOpen}; attempts started meanwhile: ${attemptsWhileOpen}`),
    check(
      `while it was open, the healthy agent's runs kept finishing (each submitted up to ${HEALTHY_SLACK_MS / 1000} s before the end of the watch had succeeded)`,
      healthyWhileOpen > 0 && healthyLate.length === 0,
      `${healthyWhileOpen} healthy runs finished while open; not finished in time: ${healthyLate.length}`,
    ),
    check('no worker stopped taking work: the platform breaker stayed closed and no worker drained', watch.platformTrips.length === 0, watch.platformTrips.slice(0, 20).join('; ')),
    check('every healthy run succeeded on its first attempt', healthyWrong.length === 0, healthyWrong.slice(0, 20).map(([id, run]) => `${id}: ${run?.status ?? 'missing'} after ${run?.attempts.length ?? 0} attempts`).join('; ')),
    check(
      'every run of the failing agent either failed after exactly maxAttempts failed attempts while its dependency was down, or succeeded once it was back, no attempt spent by the breaker',
      wrong.length === 0,
      wrong.slice(0, 20).map((v) => `${v.id}: ${v.shape}`).join('; '),
    ),
    check('some runs spent their attempts while the dependency was down and ended failed', spent.length > 0, `${spent.length} failed after maxAttempts`),
    check('runs held back by the open breaker kept their attempts and succeeded once the dependency was back', heldBack.length > 0, `${heldBack.length} held back`),
    check(`after the cooldown a probe went through and the breaker closed`, closed),
    check('the API, the scaler and the workers stayed up', dev.running && (await dev.workers()).length === WORKERS),
  ];
  return {
    census: conclusion.census,
    executions: conclusion.executions,
    recoverySeconds,
    recoveryMeasures: "from the failing agent's dependency coming back until every run of that agent has ended",
    checks,
    settings: { workers: WORKERS, slotsPerWorker: SLOTS, failingRuns: FAILING_RUNS, maxAttempts: MAX_ATTEMPTS.join(' or '), healthyRunEverySeconds: HEALTHY_EVERY_MS / 1000, watchOpenSeconds: WATCH_OPEN_MS / 1000, breaker: 'production defaults' },
    figures: { healthyRuns: healthy.ids.size, healthyFinishedWhileOpen: healthyWhileOpen, failedAfterMaxAttempts: spent.length, heldBackThenSucceeded: heldBack.length, recoverySeconds },
    evidence: { failingRuns: verdicts.slice(0, 20) },
  };
}

interface Verdict {
  id: string;
  kind: 'failed after maxAttempts' | 'succeeded after the dependency came back' | 'wrong';
  shape: string;
}

/** What became of a failing agent's run, judged against the moment its dependency came back. */
function failingRunVerdict(id: string, record: Run | undefined, clearedAt: number): Verdict {
  const attempts = record?.attempts ?? [];
  const shape = `${record?.status ?? 'missing'} (maxAttempts ${record?.maxAttempts ?? '?'}) [${attempts.map((a) => `${a.outcome ?? 'open'} at ${a.startedAt}`).join(', ')}]`;
  const earlierFailed = attempts.slice(0, -1).every((a) => a.outcome === 'failed' && Date.parse(a.startedAt) < clearedAt);
  const last = attempts.at(-1);
  const allowed = record?.maxAttempts ?? 0;
  if (record?.status === 'failed' && attempts.length === allowed && earlierFailed && last?.outcome === 'failed' && Date.parse(last.startedAt) < clearedAt) {
    return { id, kind: 'failed after maxAttempts', shape };
  }
  if (record?.status === 'succeeded' && attempts.length <= allowed && earlierFailed && last && Date.parse(last.startedAt) >= clearedAt) {
    return { id, kind: 'succeeded after the dependency came back', shape };
  }
  return { id, kind: 'wrong', shape };
}

/** Breaker alerts in the stack's log (JSON lines): for the failing agent, and for a whole worker. */
function alertsLogged(log: string): { agent: number; worker: number } {
  const lines = log.split('\n');
  return {
    agent: lines.filter((line) => line.includes('"alert":"agent_circuit_open"') && line.includes(`"agent":"${FAILING_AGENT}"`)).length,
    worker: lines.filter((line) => line.includes('"alert":"worker_circuit_open"')).length,
  };
}

async function attemptsStarted(session: ChaosSession, ids: readonly string[]): Promise<number> {
  const records = await Promise.all(ids.map((id) => session.dev.record(id)));
  return records.reduce((sum, record) => sum + (record?.attempts.length ?? 0), 0);
}

/** Watches the fleet registry: the failing agent's breaker on each worker, and any worker that stops taking work. */
class FleetWatch {
  readonly platformTrips: string[] = [];
  private readonly lastState = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly session: ChaosSession) {
    this.timer = setInterval(() => void this.sample(), 1_000);
  }

  /** The failing agent's breaker state on each live worker (`closed` where the worker reports none). */
  async agentBreakers(): Promise<BreakerState[]> {
    const workers = await this.session.dev.workers();
    return workers.map((worker) => worker.agentBreakers?.[FAILING_AGENT] ?? 'closed');
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Records each change of a worker's platform breaker or drain, not every sample of it. */
  private async sample(): Promise<void> {
    const workers = await this.session.dev.workers().catch(() => []);
    for (const worker of workers) {
      const state = `breaker ${worker.breaker}${worker.draining ? ', draining' : ''}`;
      if (state === this.lastState.get(worker.id)) continue;
      if (this.lastState.has(worker.id) || state !== 'breaker closed') this.platformTrips.push(`${worker.id} ${state} at ${new Date().toISOString()}`);
      this.lastState.set(worker.id, state);
    }
  }
}

/** A client submitting a run of the healthy agent every HEALTHY_EVERY_MS until stopped. */
class HealthyClient {
  readonly ids = new Map<string, number>();
  private stopped = false;

  constructor(private readonly session: ChaosSession) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      const run = await this.session.submit({ agent: HEALTHY_AGENT, durationMs: HEALTHY_RUN_MS, maxAttempts: 1 });
      this.ids.set(run.id, Date.now());
      await sleep(HEALTHY_EVERY_MS);
    }
  }

  stop(): void {
    this.stopped = true;
  }

  /** Healthy runs that succeeded between `from` and `to` (ms since epoch). */
  async finishedBetween(from: number, to: number): Promise<number> {
    const records = await Promise.all([...this.ids.keys()].map((id) => this.session.dev.record(id)));
    return records.filter((record) => {
      const finished = Date.parse(record?.finishedAt ?? '');
      return record?.status === 'succeeded' && finished >= from && finished <= to;
    }).length;
  }

  /** Healthy runs submitted before `before` (ms since epoch) that have not succeeded yet. */
  async unfinishedSubmittedBefore(before: number): Promise<string[]> {
    const early = [...this.ids].filter(([, at]) => at < before).map(([id]) => id);
    const records = await Promise.all(early.map((id) => this.session.dev.record(id)));
    return early.filter((_, index) => records[index]?.status !== 'succeeded');
  }
}
