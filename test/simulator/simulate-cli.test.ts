import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { runAgentfleet } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'simulate-cli-'));

test('simulate --env prod --trace surge-10k --json --chart FILE.png prints the DESIGN fields and writes the PNG and its SVG', async (t) => {
  const chart = join(dir, 'surge.png');
  const { code, stdout, stderr } = await runAgentfleet(['simulate', '--env', 'prod', '--trace', 'surge-10k', '--json', '--chart', chart], {}, 180_000);
  t.is(code, 0, stderr);
  const result = JSON.parse(stdout) as Record<string, unknown> & { wait: Record<string, number>; trace: { name: string }; timeline: unknown[] };
  t.is(result.trace.name, 'surge-10k');
  t.is(typeof result.costUsd, 'number');
  t.true((result.costUsd as number) > 0);
  t.deepEqual(Object.keys(result.wait), ['p50', 'p95', 'p99']);
  t.true(result.wait.p50! <= result.wait.p95! && result.wait.p95! <= result.wait.p99!);
  t.is(typeof result.maxQueue, 'number');
  t.true((result.utilisation as number) > 0 && (result.utilisation as number) <= 1);
  t.true(result.timeline.length > 100);
  t.deepEqual([...readFileSync(chart).subarray(1, 4)], [...Buffer.from('PNG')]);
  t.true(readFileSync(join(dir, 'surge.svg'), 'utf8').includes('runs waiting in the queue'));
});

test('simulate without --json prints the numbers and capacity per pool for people', async (t) => {
  const { code, stdout, stderr } = await runAgentfleet(['simulate', '--env', 'prod', '--trace', 'spike', '--policy', 'backlog', '--seed', '3'], {}, 120_000);
  t.is(code, 0, stderr);
  t.regex(stdout, /policy backlog · seed 3/);
  t.regex(stdout, /queue wait +p50 [\d.]+ s · p95 [\d.]+ s · p99 [\d.]+ s/);
  t.regex(stdout, /capacity in service over time/);
});

const refusals: [string[], RegExp][] = [
  [['simulate', '--trace', 'spike', '--bogus'], /unknown option '--bogus'/],
  [['simulate', '--trace', 'spike', '--policy', 'fastest'], /--policy: expected step or backlog/],
  [['simulate', '--trace', 'spike', '--seed', '-1'], /--seed: expected a whole number/],
  [['simulate', '--trace', 'spike', '--chart', join(dir, 'x.gif')], /--chart: expected a file name ending \.svg or \.png/],
  [['simulate', '--trace', 'no-such-trace'], /--trace: no built-in trace "no-such-trace"/],
  [['simulate', '--env', 'moon', '--trace', 'spike'], /--env: unknown environment "moon"/],
  [['simulate'], /--trace: required/],
  [['simulate', '--compare', '--trace', 'spike'], /--trace: not used with --compare/],
];

for (const [args, message] of refusals) {
  test(`agentfleet ${args.join(' ').replace(dir, 'DIR')} is refused naming the flag`, async (t) => {
    const { code, stderr } = await runAgentfleet(args);
    t.not(code, 0);
    t.regex(stderr, message);
  });
}
