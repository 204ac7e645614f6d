import test from 'ava';
import { loadEnvironment, parseEnvironmentConfig, resourceNames, type EnvironmentConfig } from '../../environments/index.js';
import { workerEnvironment } from '../../environments/worker-environment.js';
import { envSchema, loadConfig } from '../../services/core/config.js';
import { WORKER_DEFAULTS } from '../../services/core/worker-defaults.js';
import { resourceWhere, resources, synthesizeFleet, taskEnvironment, userDataEnvironment, type Synthesized } from './support/synthesized.js';

/**
 * DESIGN §2: the worker's breaker, drain and heartbeat numbers live once, in `config.worker`, and reach
 * every worker (EC2 user data, Fargate task definitions) through the synthesized stack.
 */

/** The contract this file pins: each worker variable and the config field it comes from. */
function expectedVariables(config: EnvironmentConfig): Record<string, string> {
  const { breaker, drain, heartbeat } = config.worker;
  return {
    BREAKER_ERROR_PERCENT: String(breaker.errorRatePercent),
    AGENT_BREAKER_ERROR_PERCENT: String(breaker.agentErrorRatePercent),
    BREAKER_WINDOW_SECONDS: String(breaker.windowSeconds),
    BREAKER_MIN_ATTEMPTS: String(breaker.minAttempts),
    BREAKER_COOLDOWN_SECONDS: String(breaker.cooldownSeconds),
    SHUTDOWN_GRACE_SECONDS: String(drain.shutdownGraceSeconds),
    SCALE_IN_GRACE_SECONDS: String(drain.scaleInGraceSeconds),
    LIFECYCLE_HEARTBEAT_SECONDS: String(drain.lifecycleHeartbeatSeconds),
    SPOT_DRAIN_MARGIN_SECONDS: String(drain.spotDrainMarginSeconds),
    LEASE_SECONDS: String(heartbeat.leaseSeconds),
    VISIBILITY_SECONDS: String(heartbeat.visibilitySeconds),
    TASK_PROTECTION_MINUTES: String(config.worker.taskProtectionMinutes),
  };
}

/** The worker environment of every worker the stack launches: both launch templates and both burst task definitions. */
function workerEnvironments(stack: Synthesized, config: EnvironmentConfig): Record<string, Record<string, string>> {
  const pools = resourceNames(config.name).pools;
  const fargate = (['burst-spot', 'burst-ondemand'] as const).map((pool) => [
    `task definition ${pools[pool]}`,
    taskEnvironment(resourceWhere(stack, 'aws_ecs_task_definition', 'family', pools[pool])),
  ]);
  const ec2 = resources(stack, 'aws_launch_template').map((template) => [`launch template ${String(template.name)}`, userDataEnvironment(template)]);
  return Object.fromEntries([...ec2, ...fargate]);
}

function pick(environment: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, environment[name] ?? '(unset)']));
}

const prod = loadEnvironment('prod');

/** Every worker field moved off its default, still valid, so each one must travel on its own. */
const changed = parseEnvironmentConfig({
  ...prod,
  worker: {
    ...prod.worker,
    breaker: { errorRatePercent: 25, agentErrorRatePercent: 70, windowSeconds: 120, minAttempts: 7, cooldownSeconds: 45 },
    drain: { shutdownGraceSeconds: 75, scaleInGraceSeconds: 5400, lifecycleHeartbeatSeconds: 120, spotDrainMarginSeconds: 30 },
    heartbeat: { leaseSeconds: 21, visibilitySeconds: 66 },
    taskProtectionMinutes: 17,
  },
});

for (const config of [loadEnvironment('dev'), prod, changed]) {
  const label = config === changed ? 'prod with every worker timing changed' : config.name;

  test(`${label}: every EC2 and Fargate worker gets the config's breaker, drain and heartbeat settings`, (t) => {
    const expected = expectedVariables(config);
    const found = workerEnvironments(synthesizeFleet(config), config);
    t.is(Object.keys(found).length, 4, 'two launch templates and two burst task definitions');
    for (const [where, environment] of Object.entries(found)) t.deepEqual(pick(environment, Object.keys(expected)), expected, where);
  });
}

test('a changed config changes every variable (no value is fixed elsewhere)', (t) => {
  const before = expectedVariables(prod);
  const after = expectedVariables(changed);
  for (const name of Object.keys(before)) t.not(after[name], before[name], name);
});

test('workerEnvironment writes exactly the contract\'s variables', (t) => {
  t.deepEqual(workerEnvironment(prod), expectedVariables(prod));
  t.deepEqual(workerEnvironment(changed), expectedVariables(changed));
});

test('the error-rate alarm uses the same breaker numbers the workers get', (t) => {
  const alarm = resourceWhere(synthesizeFleet(changed), 'aws_cloudwatch_metric_alarm', 'alarm_name', `${resourceNames('prod').prefix}-alerts-run-error-rate`);
  t.is(alarm.threshold, changed.worker.breaker.errorRatePercent);
  t.regex(String(alarm.alarm_description), new RegExp(`for ${changed.worker.breaker.windowSeconds} s`));
});

test('every variable the stacks write is one the worker reads, and a stack left on the defaults writes what a worker started by hand runs', (t) => {
  const variables = Object.keys(envSchema.shape);
  const written = Object.keys(expectedVariables(prod));
  t.deepEqual(written.filter((name) => !variables.includes(name)), [], 'every variable the stacks write is one the worker reads');
  const defaults = loadConfig({});
  const fromStack = loadConfig(workerEnvironment(parseEnvironmentConfig({ ...prod, worker: { ...prod.worker, ...WORKER_DEFAULTS } })));
  for (const variable of written) t.is(fromStack[variable as keyof typeof fromStack], defaults[variable as keyof typeof defaults], variable);
});
