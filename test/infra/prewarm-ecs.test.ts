import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { resourceNames } from '../../environments/index.js';
import { SCALER_CONTAINER_NAME } from '../../modules/scaler-service/index.js';

/**
 * scripts/prewarm-ecs.sh, run for real under bash with jq. The aws CLI is a stub on PATH that answers
 * like ECS and records what it was asked: moto_server cannot stand in here, its RunTask fails on an
 * awsvpc network configuration (moto 5.2.1: 'NetworkInterface' object has no attribute 'private_dns_name').
 */

const SCRIPT = fileURLToPath(new URL('../../scripts/prewarm-ecs.sh', import.meta.url));
const names = resourceNames('prod');
const TASK_DEFINITION = `arn:aws:ecs:us-east-1:123456789012:task-definition/${names.scalerService}:42`;
const NETWORK = { awsvpcConfiguration: { subnets: ['subnet-0a', 'subnet-0b'], securityGroups: ['sg-0c'], assignPublicIp: 'DISABLED' } };
const TASK = `arn:aws:ecs:us-east-1:123456789012:task/${names.cluster}/0123456789abcdef`;

interface EcsAnswers {
  describeServices?: unknown;
  runTask?: unknown;
  /** Exit status of `aws ecs wait tasks-stopped` (255: the waiter gave up). */
  waitStatus?: number;
  describeTasks?: unknown;
}

const stopped = (exitCode: number | undefined, reason = 'Essential container in task exited') => ({
  tasks: [{ taskArn: TASK, lastStatus: 'STOPPED', stoppedReason: reason, containers: [{ name: SCALER_CONTAINER_NAME, ...(exitCode === undefined ? {} : { exitCode }) }] }],
  failures: [],
});

const HEALTHY: EcsAnswers = {
  describeServices: { services: [{ serviceName: names.scalerService, taskDefinition: TASK_DEFINITION, networkConfiguration: NETWORK }], failures: [] },
  runTask: { tasks: [{ taskArn: TASK, lastStatus: 'PROVISIONING' }], failures: [] },
  waitStatus: 0,
  describeTasks: stopped(0),
};

/** Each call's argv, one JSON array per line; answers come from files named after the subcommand. */
const AWS_STUB = `#!/bin/bash
printf '%s\n' "$@" | jq -Rsc 'split("\n")[:-1]' >> "$STUB_DIR/calls"
case "$1 $2" in
  "ecs describe-services") cat "$STUB_DIR/describe-services.json" ;;
  "ecs run-task") cat "$STUB_DIR/run-task.json" ;;
  "ecs wait") exit "$(cat "$STUB_DIR/wait-status")" ;;
  "ecs describe-tasks") cat "$STUB_DIR/describe-tasks.json" ;;
  *) echo "unexpected aws call: $*" >&2; exit 1 ;;
esac
`;

function prewarm(args: string[], answers: EcsAnswers = HEALTHY): { status: number | null; stdout: string; stderr: string; calls: string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-prewarm-'));
  try {
    writeFileSync(join(dir, 'aws'), AWS_STUB);
    chmodSync(join(dir, 'aws'), 0o755);
    writeFileSync(join(dir, 'calls'), '');
    writeFileSync(join(dir, 'describe-services.json'), JSON.stringify(answers.describeServices ?? {}));
    writeFileSync(join(dir, 'run-task.json'), JSON.stringify(answers.runTask ?? {}));
    writeFileSync(join(dir, 'wait-status'), String(answers.waitStatus ?? 0));
    writeFileSync(join(dir, 'describe-tasks.json'), JSON.stringify(answers.describeTasks ?? {}));
    const run = spawnSync('bash', [SCRIPT, ...args], { env: { PATH: `${dir}:/usr/bin:/bin`, STUB_DIR: dir }, encoding: 'utf8' });
    const calls = readFileSync(join(dir, 'calls'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as string[]);
    return { status: run.status, stdout: run.stdout, stderr: run.stderr, calls };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The value after `flag` in an argv. */
const option = (argv: string[] | undefined, flag: string): string | undefined => argv?.[argv.indexOf(flag) + 1];

test('a scheduled floor runs `scaler prewarm --schedule` as a task of the scaler service\'s revision, on its network, in its cluster', (t) => {
  const result = prewarm(['--env', 'prod', '--schedule', 'weekday-morning', '--for', '30m']);
  t.is(result.status, 0, result.stderr);
  const [describe, run, wait, describeTasks] = result.calls;
  t.deepEqual(describe?.slice(0, 6), ['ecs', 'describe-services', '--cluster', names.cluster, '--services', names.scalerService]);
  t.deepEqual(run?.slice(0, 2), ['ecs', 'run-task']);
  t.is(option(run, '--cluster'), names.cluster);
  t.is(option(run, '--task-definition'), TASK_DEFINITION);
  t.is(option(run, '--launch-type'), 'FARGATE');
  t.deepEqual(JSON.parse(option(run, '--network-configuration') ?? 'null'), NETWORK);
  t.deepEqual(JSON.parse(option(run, '--overrides') ?? 'null'), {
    containerOverrides: [{ name: SCALER_CONTAINER_NAME, command: ['scaler', 'prewarm', '--env', 'prod', '--for', '30m', '--schedule', 'weekday-morning'] }],
  });
  t.deepEqual(wait?.slice(0, 3), ['ecs', 'wait', 'tasks-stopped']);
  t.is(option(wait, '--tasks'), TASK);
  t.is(option(describeTasks, '--tasks'), TASK);
  t.regex(result.stdout, /floors written in prod/);
  t.regex(result.stdout, /\/agentfleet\/prod\/scaler, stream scaler\/scaler\/0123456789abcdef/);
});

test('a floor by hand passes --min and --pool through, with spot and one hour when left out', (t) => {
  const result = prewarm(['--env', 'prod', '--min', '80', '--pool', 'on-demand', '--for', '3h']);
  t.is(result.status, 0, result.stderr);
  t.deepEqual(JSON.parse(option(result.calls[1], '--overrides') ?? 'null').containerOverrides[0].command, [
    'scaler', 'prewarm', '--env', 'prod', '--for', '3h', '--min', '80', '--pool', 'on-demand',
  ]);
  const defaults = prewarm(['--env', 'staging', '--min', '5']);
  t.is(defaults.status, 0, defaults.stderr);
  t.deepEqual(JSON.parse(option(defaults.calls[1], '--overrides') ?? 'null').containerOverrides[0].command, [
    'scaler', 'prewarm', '--env', 'staging', '--for', '1h', '--min', '5', '--pool', 'spot',
  ]);
});

test('bad arguments name the flag, print the usage, exit 2 and call nothing', (t) => {
  const cases: [string[], RegExp][] = [
    [[], /--env is required/],
    [['--env', 'qa', '--min', '1'], /--env: unknown environment "qa" \(expected dev, staging or prod\)/],
    [['--env', 'prod'], /--min or --schedule: one of them is required/],
    [['--env', 'prod', '--schedule', 'weekday-morning', '--min', '3'], /--schedule takes the floor and the pools from the environment's schedule; leave out --min and --pool/],
    [['--env', 'prod', '--schedule', 'Weekday Morning'], /--schedule: "Weekday Morning" is not a schedule name/],
    [['--env', 'prod', '--min', 'lots'], /--min: expected a whole number ≥ 0, got "lots"/],
    [['--env', 'prod', '--min', '3', '--pool', 'gpu'], /--pool: unknown pool "gpu"/],
    [['--env', 'prod', '--min', '3', '--for', 'soon'], /--for: expected a duration such as 90s, 30m, 2h or 1h30m, got "soon"/],
    [['--env', 'prod', '--min', '3', '--for', '0m'], /--for: expected a duration/],
    [['--env', 'prod', '--min'], /--min needs a value/],
    [['--env', '--min', '3'], /--env needs a value/],
    [['--env', 'prod', '--env', 'dev', '--min', '3'], /--env is given twice/],
    [['--env', 'prod', '--min', '3', '--force'], /unknown argument "--force"/],
  ];
  for (const [args, message] of cases) {
    const result = prewarm(args);
    t.is(result.status, 2, args.join(' '));
    t.regex(result.stderr, message, args.join(' '));
    t.regex(result.stderr, /usage: scripts\/prewarm-ecs\.sh --env/, args.join(' '));
    t.deepEqual(result.calls, [], args.join(' '));
  }
});

test('an environment that is not deployed is named, and no task is run', (t) => {
  const result = prewarm(['--env', 'prod', '--min', '3'], {
    ...HEALTHY,
    describeServices: { services: [], failures: [{ arn: `arn:aws:ecs:us-east-1:123456789012:service/${names.cluster}/${names.scalerService}`, reason: 'MISSING' }] },
  });
  t.is(result.status, 1);
  t.regex(result.stderr, new RegExp(`no service ${names.scalerService} in cluster ${names.cluster}: is prod deployed\\?.*MISSING`));
  t.is(result.calls.length, 1);
});

test('a task ECS would not start fails with ECS\'s reason', (t) => {
  const result = prewarm(['--env', 'prod', '--min', '3'], { ...HEALTHY, runTask: { tasks: [], failures: [{ reason: 'RESOURCE:ENI' }] } });
  t.is(result.status, 1);
  t.regex(result.stderr, /ECS did not start the task: .*RESOURCE:ENI/);
});

test('a prewarm command that failed in the task fails the script, with the exit code, the reason and where its log is', (t) => {
  const result = prewarm(['--env', 'prod', '--schedule', 'weekday-morning'], { ...HEALTHY, describeTasks: stopped(1) });
  t.is(result.status, 1);
  t.regex(result.stderr, /the prewarm command failed \(exit code 1: Essential container in task exited\); see log group \/agentfleet\/prod\/scaler, stream scaler\/scaler\/0123456789abcdef/);

  const neverRan = prewarm(['--env', 'prod', '--schedule', 'weekday-morning'], { ...HEALTHY, describeTasks: stopped(undefined, 'CannotPullContainerError: pull access denied') });
  t.is(neverRan.status, 1);
  t.regex(neverRan.stderr, /exit code none: CannotPullContainerError/);
});

test('a task that does not stop within the waiter\'s ten minutes fails the script and says where to look', (t) => {
  const result = prewarm(['--env', 'prod', '--min', '3'], { ...HEALTHY, waitStatus: 255 });
  t.is(result.status, 1);
  t.regex(result.stderr, /has not stopped after 10 minutes; see log group \/agentfleet\/prod\/scaler/);
});
