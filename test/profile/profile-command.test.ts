import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { ProfileReport } from '../../services/worker/profile/summary.js';
import { runAgentfleet } from '../support/cli.js';

// `agentfleet profile` as a user runs it: a real worker process against the profiler's own
// redis-server, sampled from /proc. Bounds are loose enough for a busy machine and still fail when
// the measurement is wrong (nothing measured, a sleeping agent that seems to burn CPU, no memory).

const dir = mkdtempSync(join(tmpdir(), 'agentfleet-profile-'));
const agentsFile = join(dir, 'agents.json');
writeFileSync(
  agentsFile,
  JSON.stringify({
    agents: {
      napper: { type: 'command', command: ['sh', '-c', 'sleep 2; echo \'{"type":"result","result":{"slept":2}}\''] },
    },
  }),
);
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const PROFILE_TIMEOUT_MS = 120_000;

async function profile(args: string[]): Promise<ProfileReport> {
  const exit = await runAgentfleet(['profile', ...args, '--json'], { AGENTS_FILE: agentsFile, LOG_LEVEL: 'silent' }, PROFILE_TIMEOUT_MS);
  if (exit.code !== 0) throw new Error(`agentfleet profile exited ${exit.code}: ${exit.stderr}`);
  return JSON.parse(exit.stdout) as ProfileReport;
}

test.serial('the simulate agent, 20 at a time for 3 s: every slot busy, almost no CPU, some memory per run', async (t) => {
  const report = await profile(['--agent', 'simulate', '--input', '{"durationMs":1000}', '--concurrency', '20', '--seconds', '3', '--warmup', '1']);
  t.like(report, { agent: 'simulate', type: 'simulate', concurrency: 20 });
  t.true(report.seconds >= 3, `window ${report.seconds} s`);
  // One-second runs in three seconds on 20 slots: dozens of attempts, most of them finished.
  t.true(report.runs.attemptsInWindow >= 20, `${report.runs.attemptsInWindow} attempts`);
  t.true(report.runs.succeeded > 0);
  t.is(report.runs.failed, 0);
  t.true(report.meanRunning > 0 && report.meanRunning <= 20, `mean running ${report.meanRunning}`);
  t.true(report.cpu.seconds > 0, 'the worker did some work');
  t.true(report.cpu.perRunSecond < 1, `a sleeping agent used ${report.cpu.perRunSecond} vCPU per run`);
  t.true(report.memory.workerIdleMiB > 10 && report.memory.workerPeakMiB >= report.memory.workerIdleMiB * 0.9, JSON.stringify(report.memory));
  t.true(report.memory.perRunMiB > 0);
  t.true(report.memory.totalPeakMiB >= report.memory.workerPeakMiB);
  t.true(report.eventLoopLagMs.p50 >= 0 && report.eventLoopLagMs.p99 >= report.eventLoopLagMs.p50, JSON.stringify(report.eventLoopLagMs));
  t.true(report.suggested.vcpu > 0 && report.suggested.vcpu < 0.5, `suggested ${report.suggested.vcpu} vCPU`);
  t.true(report.suggested.memoryGiB > 0);
  t.true(Array.isArray(report.warnings));
});

test.serial('a command agent: its processes are found in /proc and their memory counted', async (t) => {
  const report = await profile(['--agent', 'napper', '--input', '{}', '--concurrency', '5', '--seconds', '2', '--warmup', '1']);
  t.like(report, { agent: 'napper', type: 'command', concurrency: 5 });
  // Five `sh` + `sleep` pairs alive throughout: at least a few hundred KiB each.
  t.true(report.memory.childProcessesPeakMiB > 1, `child processes ${report.memory.childProcessesPeakMiB} MiB`);
  t.true(report.memory.totalPeakMiB >= report.memory.workerPeakMiB + report.memory.childProcessesPeakMiB * 0.5);
  t.true(report.cpu.perRunSecond < 1, `a sleeping command used ${report.cpu.perRunSecond} vCPU per run`);
});

const BAD_FLAGS: [string, string[], RegExp][] = [
  ['a concurrency of 0', ['--agent', 'simulate', '--input', '{}', '--concurrency', '0'], /--concurrency: expected a whole number ≥ 1, got "0"/],
  ['seconds that are not a number', ['--agent', 'simulate', '--input', '{}', '--seconds', 'ten'], /--seconds: expected a number of seconds above 0, got "ten"/],
  ['input that is not JSON', ['--agent', 'simulate', '--input', '{durationMs:1}'], /--input: not JSON/],
  ['an unknown agent', ['--agent', 'telepathy', '--input', '{}'], /--agent: unknown agent "telepathy" \(known: simulate, napper\)/],
];

for (const [what, args, message] of BAD_FLAGS) {
  test(`profile with ${what} is refused with a message naming the flag`, async (t) => {
    const exit = await runAgentfleet(['profile', ...args], { AGENTS_FILE: agentsFile });
    t.is(exit.code, 2, exit.stderr);
    t.regex(exit.stderr, message);
    t.notRegex(exit.stderr, /\n\s+at /, 'no stack trace');
  });
}
