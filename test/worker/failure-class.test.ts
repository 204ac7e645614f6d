import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import fc from 'fast-check';
import { AGENT_FAILURE_CLASSES, DEFAULT_BREAKER_COUNTS } from '../../services/core/agents/catalog.js';
import type { AttemptReport } from '../../services/core/run/store.js';
import { CommandExecutor } from '../../services/worker/agents/command.js';
import { parseAgentLine } from '../../services/worker/agents/command-protocol.js';
import { PLATFORM_ERROR_TYPES, type AgentOutcome } from '../../services/worker/agents/executor.js';
import { ModuleExecutor } from '../../services/worker/agents/module.js';
import { attemptReport } from '../../services/worker/attempt-report.js';
import { agentVerdict, classifyAttempt, platformVerdict, type AttemptClass } from '../../services/worker/failure-class.js';
import { recordingContext } from './helpers/recording-context.js';

const failed = (type: string, retryable?: boolean): AttemptReport => ({
  outcome: 'failed',
  error: { type, message: '' },
  ...(retryable === undefined ? {} : { retryable }),
});

const cases: [string, AttemptReport | 'infrastructure_error', AttemptClass][] = [
  ['a success', { outcome: 'succeeded', result: null }, 'success'],
  ['the run store failing to begin or record an attempt', 'infrastructure_error', 'platform'],
  ['the worker failing to run the agent', failed('worker_error'), 'platform'],
  ['a command that cannot spawn for lack of processes (EAGAIN, retryable)', failed('agent_spawn_failed', true), 'platform'],
  ['a timeout', { outcome: 'timed_out' }, 'agent-transient'],
  ["an agent's retriable error (its dependency is down)", failed('upstream_unavailable', true), 'agent-transient'],
  ['an error with retryable left out (retriable by default)', failed('agent_error'), 'agent-transient'],
  ['an agent process that exits non-zero', failed('agent_exit', true), 'agent-transient'],
  ['an agent process killed by a signal', failed('agent_signal', true), 'agent-transient'],
  ['bad input', failed('invalid_input', false), 'agent-permanent'],
  ['bad input, even when marked retriable', failed('invalid_input', true), 'agent-permanent'],
  ['an agent this worker does not know', failed('unknown_agent', false), 'agent-permanent'],
  ['a command that does not exist (ENOENT)', failed('agent_spawn_failed', false), 'agent-permanent'],
  ['a module agent that does not load', failed('agent_module_invalid', false), 'agent-permanent'],
  ['a result too large', failed('result_too_large', false), 'agent-permanent'],
  ["an agent's own non-retriable error", failed('quota_exceeded', false), 'agent-permanent'],
  ['a cancel', { outcome: 'cancelled' }, 'ignored'],
  ['an interruption (drain, Spot notice)', { outcome: 'interrupted' }, 'ignored'],
];

for (const [what, report, expected] of cases) {
  test(`classification: ${what} is ${expected}`, (t) => {
    t.is(classifyAttempt(report), expected);
  });
}

test('a failure after the run store refused a checkpoint is the platform\'s, whatever the agent called it; a success stays a success', (t) => {
  t.is(classifyAttempt(failed('checkpoint_failed'), true), 'platform');
  t.is(classifyAttempt(failed('invalid_input', false), true), 'platform');
  t.is(classifyAttempt({ outcome: 'succeeded', result: null }, true), 'success');
  t.is(classifyAttempt(failed('checkpoint_failed'), false), 'agent-transient');
});

test('the platform breaker counts platform failures against the platform, and any attempt the platform carried for it', (t) => {
  t.is(platformVerdict('platform'), 'failure');
  t.is(platformVerdict('success'), 'success');
  t.is(platformVerdict('agent-transient'), 'success');
  t.is(platformVerdict('agent-permanent'), 'success');
  t.is(platformVerdict('ignored'), 'ignore');
});

test("an agent's breaker counts transient failures by default and never permanent ones", (t) => {
  t.deepEqual(DEFAULT_BREAKER_COUNTS, ['agent-transient']);
  t.is(agentVerdict('agent-transient', DEFAULT_BREAKER_COUNTS), 'failure');
  t.is(agentVerdict('agent-permanent', DEFAULT_BREAKER_COUNTS), 'ignore');
  t.is(agentVerdict('success', DEFAULT_BREAKER_COUNTS), 'success');
  t.is(agentVerdict('platform', DEFAULT_BREAKER_COUNTS), 'ignore', 'the platform breaker hears platform failures, not the agent');
  t.is(agentVerdict('ignored', DEFAULT_BREAKER_COUNTS), 'ignore');
  t.is(agentVerdict('agent-permanent', ['agent-transient', 'agent-permanent']), 'failure', 'counted when the agent says so');
  t.is(agentVerdict('agent-transient', ['agent-permanent']), 'ignore');
});

const reports = fc.oneof(
  fc.constant<'infrastructure_error'>('infrastructure_error'),
  fc.constantFrom<AttemptReport>({ outcome: 'succeeded', result: null }, { outcome: 'timed_out' }, { outcome: 'cancelled' }, { outcome: 'interrupted' }),
  fc.record({
    outcome: fc.constant<'failed'>('failed'),
    error: fc.record({
      type: fc.oneof(fc.constantFrom('worker_error', 'agent_spawn_failed', 'invalid_input', 'unknown_agent', 'agent_exit', 'result_too_large'), fc.string()),
      message: fc.string(),
    }),
    retryable: fc.option(fc.boolean(), { nil: undefined }),
  }),
);
const countSets = fc.subarray([...AGENT_FAILURE_CLASSES]);

test('law: one failure is never counted by both breakers, and a success is a success for both', (t) => {
  fc.assert(
    fc.property(reports, countSets, (report, counts) => {
      const attempt = classifyAttempt(report);
      const platform = platformVerdict(attempt);
      const agent = agentVerdict(attempt, counts);
      if (platform === 'failure' && agent === 'failure') return false;
      if (attempt === 'success') return platform === 'success' && agent === 'success';
      return true;
    }),
  );
  t.pass();
});

test('law: a non-retriable failure never counts against an agent that counts only transient failures', (t) => {
  fc.assert(
    fc.property(reports, (report) => {
      if (report === 'infrastructure_error' || report.outcome !== 'failed' || report.retryable !== false) return true;
      return agentVerdict(classifyAttempt(report), DEFAULT_BREAKER_COUNTS) !== 'failure';
    }),
  );
  t.pass();
});

test('law: counting more classes never turns a counted failure into an uncounted one', (t) => {
  fc.assert(
    fc.property(reports, countSets, countSets, (report, some, more) => {
      const attempt = classifyAttempt(report);
      const wider = [...new Set([...some, ...more])];
      return agentVerdict(attempt, some) !== 'failure' || agentVerdict(attempt, wider) === 'failure';
    }),
  );
  t.pass();
});

// Provenance: the worker's own failures stop the worker for every agent, so an agent must not be able
// to report one. Real executors on test/fixtures/agents, and a real spawn failure.
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/agents/${name}`, import.meta.url));
const classified = (outcome: AgentOutcome) => classifyAttempt(attemptReport(undefined, outcome)!);
const RESERVED = [
  ['worker_error', true],
  ['worker_error', false],
  ['agent_spawn_failed', true],
] as const;

test("a module agent throwing one of the worker's own error types fails as the agent, not the platform", async (t) => {
  const executor = new ModuleExecutor(fixture('echo-module.mjs'), 1000);
  for (const [type, retryable] of RESERVED) {
    const outcome = await executor.execute(recordingContext({ throw: { message: 'forged', type, retryable } }));
    t.is(classified(outcome), retryable ? 'agent-transient' : 'agent-permanent', type);
    t.like(outcome, { kind: 'error', error: { type: `agent:${type}`, message: 'forged' }, retryable }, 'the run still shows what the agent said');
  }
});

test("a command agent reporting one of the worker's own error types fails as the agent, not the platform", async (t) => {
  const executor = new CommandExecutor({ type: 'command', command: [process.execPath, 'protocol-agent.mjs'], cwd: fixture('') }, { killGraceMs: 1000, baseEnv: {} });
  for (const [errorType, retryable] of RESERVED) {
    const outcome = await executor.execute(recordingContext({ stdout: [{ type: 'error', message: 'forged', errorType, retryable }] }));
    t.is(classified(outcome), retryable ? 'agent-transient' : 'agent-permanent', errorType);
    t.like(outcome, { kind: 'error', error: { type: `agent:${errorType}` } });
  }
});

test('law: no error line a command agent writes is classified as a platform failure', (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.constantFrom('worker_error', 'agent_spawn_failed'), fc.string()), fc.option(fc.boolean(), { nil: undefined }), (errorType, retryable) => {
      const line = parseAgentLine(JSON.stringify({ type: 'error', message: 'm', errorType, retryable }));
      return line.type === 'error' && classifyAttempt({ outcome: 'failed', error: line.error, retryable: line.retryable }) !== 'platform';
    }),
  );
  t.pass();
});

test('law: every error type classified as the platform is one agents cannot report', (t) => {
  fc.assert(
    fc.property(reports, (report) => {
      if (report === 'infrastructure_error' || report.outcome !== 'failed') return true;
      return classifyAttempt(report) !== 'platform' || PLATFORM_ERROR_TYPES.has(report.error.type);
    }),
  );
  t.pass();
});

test('a real spawn failure for want of file descriptors (EMFILE) is the platform failing, and retried', async (t) => {
  const script = fileURLToPath(new URL('./helpers/spawn-out-of-descriptors.ts', import.meta.url));
  const { stdout } = await promisify(execFile)('sh', ['-c', 'ulimit -n 1024 && exec "$0" --import tsx "$1"', process.execPath, script]);
  const outcome = JSON.parse(stdout) as AgentOutcome;
  t.like(outcome, { kind: 'error', error: { type: 'agent_spawn_failed' }, retryable: true });
  t.regex(outcome.kind === 'error' ? outcome.error.message : '', /EMFILE/);
  t.is(classified(outcome), 'platform');
});
