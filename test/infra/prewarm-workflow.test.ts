import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Cron } from 'croner';
import { parse } from 'yaml';
import { ENVIRONMENT_NAMES, POOL_NAMES, loadEnvironment, prewarmCron, type EnvironmentName, type PrewarmSchedule } from '../../environments/index.js';
import { scheduledFloors } from '../../services/scaler/schedule.js';

/**
 * .github/workflows/prewarm.yml against the environments' config: each cron runs the lead time
 * before a pre-warm schedule that raises a floor, names that schedule, and no such schedule is left
 * without one. The workflow's own shell steps run here under bash, with jq, as a runner runs them.
 */

const WORKFLOW = fileURLToPath(new URL('../../.github/workflows/prewarm.yml', import.meta.url));
const LEAD_MS = 15 * 60_000;
/** Three weeks from a Monday: every weekday and weekend pattern fires several times. */
const WINDOW = { from: new Date('2026-03-02T00:00:00Z'), days: 21 };

type Block = Record<string, any>;
const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as Block;
const pickStep = workflow.jobs.pick.steps[0] as Block;
const prewarmStep = (workflow.jobs.prewarm.steps as Block[]).find((step) => String(step.run ?? '').includes('scripts/prewarm-ecs.sh')) as Block;

interface ScheduledFloor {
  cron: string;
  env: EnvironmentName;
  schedule: string;
}
const scheduled = JSON.parse(pickStep.env.SCHEDULED as string) as ScheduledFloor[];

function firings(cron: string): number[] {
  const job = new Cron(cron, { timezone: 'UTC', paused: true });
  const until = WINDOW.from.getTime() + WINDOW.days * 24 * 3600_000;
  const times: number[] = [];
  for (let next = job.nextRun(WINDOW.from); next && next.getTime() < until; next = job.nextRun(next)) times.push(next.getTime());
  return times;
}

/** True when, at some firing, the schedule lifts a pool above the floor in force just before. */
function raisesAFloor(schedule: PrewarmSchedule, all: readonly PrewarmSchedule[]): boolean {
  return firings(prewarmCron(schedule)).some((at) =>
    schedule.pools.some((pool) => {
      const before = scheduledFloors(all, new Date(at - 1)).find((floor) => floor.pool === pool)?.instances ?? 0;
      return schedule.minInstances > before;
    }),
  );
}

test('each scheduled floor names a pre-warm schedule of its environment and fires exactly the lead time before it', (t) => {
  t.true(scheduled.length > 0);
  for (const entry of scheduled) {
    const schedule = loadEnvironment(entry.env).scaling.prewarm.find((s) => s.name === entry.schedule);
    t.truthy(schedule, `${entry.env} has a schedule "${entry.schedule}"`);
    if (!schedule) continue;
    const ahead = firings(entry.cron).map((at) => at + LEAD_MS);
    t.deepEqual(ahead, firings(prewarmCron(schedule)), `${entry.cron} runs 15 min before ${entry.env} ${entry.schedule} (${schedule.schedule})`);
  }
});

test('every pre-warm schedule that raises a floor has its scheduled job, and only those do', (t) => {
  const expected = ENVIRONMENT_NAMES.flatMap((env) => {
    const schedules = loadEnvironment(env).scaling.prewarm;
    return schedules.filter((s) => raisesAFloor(s, schedules)).map((s) => `${env}/${s.name}`);
  });
  t.true(expected.length > 0, 'some environment pre-warms');
  t.deepEqual(scheduled.map((entry) => `${entry.env}/${entry.schedule}`).sort(), expected.sort());
});

test('the workflow\'s crons are exactly the crons of its scheduled floors', (t) => {
  const crons = (workflow.on.schedule as { cron: string }[]).map((s) => s.cron);
  t.deepEqual([...new Set(crons)].sort(), [...new Set(scheduled.map((entry) => entry.cron))].sort());
  t.is(new Set(crons).size, crons.length, 'no cron twice');
});

test('a run by hand offers every environment and pool and asks for the floor and how long', (t) => {
  const inputs = workflow.on.workflow_dispatch.inputs as Block;
  t.deepEqual(inputs.env.options, [...ENVIRONMENT_NAMES]);
  t.deepEqual(inputs.pool.options, [...POOL_NAMES]);
  t.true(inputs.min.required);
  t.truthy(inputs.for.default);
});

test('the floors run in the GitHub environment `<env>-prewarm` with its pre-warm role, never the apply role, one at a time per environment', (t) => {
  const job = workflow.jobs.prewarm as Block;
  // No reviewers on `<env>-prewarm`: a scheduled prod floor must not wait for prod's apply approval.
  t.is(job.environment, '${{ matrix.env }}-prewarm');
  t.deepEqual(job.concurrency, { group: 'prewarm-${{ matrix.env }}', 'cancel-in-progress': false });
  const credentials = (job.steps as Block[]).filter((step) => String(step.uses).startsWith('aws-actions/configure-aws-credentials'));
  t.is(credentials.length, 1);
  t.is(credentials[0]?.with?.['role-to-assume'], '${{ vars.AWS_PREWARM_ROLE_ARN }}');
  t.false(readFileSync(WORKFLOW, 'utf8').includes('AWS_APPLY_ROLE_ARN'), 'nothing in the workflow assumes the apply role');
  t.deepEqual(workflow.permissions, {});
  t.deepEqual(job.permissions, { contents: 'read', 'id-token': 'write' });
  t.deepEqual(workflow.jobs.pick.permissions, {}, 'picking the floors needs no token');
});

/** Runs a step's shell as a runner does (bash -e), with `env` and a $GITHUB_OUTPUT file; returns its outputs. */
function runStep(step: Block, env: Record<string, string>, cwd?: string): { status: number | null; stderr: string; outputs: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-workflow-'));
  try {
    const output = join(dir, 'output');
    writeFileSync(output, '');
    const run = spawnSync('bash', ['-e', '-c', step.run as string], {
      cwd: cwd ?? dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GITHUB_OUTPUT: output, ...env },
      encoding: 'utf8',
    });
    const outputs = Object.fromEntries(
      readFileSync(output, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    return { status: run.status, stderr: run.stderr, outputs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pickEnv = (overrides: Record<string, string>) => ({
  SCHEDULED: pickStep.env.SCHEDULED as string,
  SCHEDULED_FOR: pickStep.env.SCHEDULED_FOR as string,
  ...overrides,
});

test('a fired cron picks the floors of its schedules, a cron of no floor picks none, a run by hand picks its inputs', (t) => {
  const cron = scheduled[0]?.cron ?? '';
  const fired = runStep(pickStep, pickEnv({ EVENT: 'schedule', FIRED: cron }));
  t.is(fired.status, 0, fired.stderr);
  t.deepEqual(
    JSON.parse(fired.outputs.floors ?? 'null'),
    scheduled.filter((entry) => entry.cron === cron).map((entry) => ({ env: entry.env, args: ['--schedule', entry.schedule, '--for', pickStep.env.SCHEDULED_FOR] })),
  );

  const stray = runStep(pickStep, pickEnv({ EVENT: 'schedule', FIRED: '1 1 1 1 *' }));
  t.is(stray.outputs.floors, '[]');

  const byHand = runStep(pickStep, pickEnv({ EVENT: 'workflow_dispatch', INPUT_ENV: 'prod', INPUT_MIN: '120', INPUT_FOR: '3h', INPUT_POOL: 'burst-spot' }));
  t.deepEqual(JSON.parse(byHand.outputs.floors ?? 'null'), [{ env: 'prod', args: ['--min', '120', '--pool', 'burst-spot', '--for', '3h'] }]);
});

test('the prewarm step hands each floor\'s arguments to scripts/prewarm-ecs.sh one by one, whatever they hold', (t) => {
  const checkout = mkdtempSync(join(tmpdir(), 'agentfleet-checkout-'));
  t.teardown(() => rmSync(checkout, { recursive: true, force: true }));
  mkdirSync(join(checkout, 'scripts'));
  writeFileSync(join(checkout, 'scripts', 'prewarm-ecs.sh'), '#!/bin/bash\nprintf "%s\\n" "$@" > "$ARGS_FILE"\n');
  chmodSync(join(checkout, 'scripts', 'prewarm-ecs.sh'), 0o755);
  const argsFile = join(checkout, 'args');

  const args = ['--min', '5', '--pool', 'spot', '--for', '1h 30m; echo injected'];
  const result = runStep(prewarmStep, { PREWARM_ENV: 'staging', PREWARM_ARGS: JSON.stringify(args), ARGS_FILE: argsFile }, checkout);
  t.is(result.status, 0, result.stderr);
  t.deepEqual(readFileSync(argsFile, 'utf8').split('\n').slice(0, -1), ['--env', 'staging', ...args]);
});
