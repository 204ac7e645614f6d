import test from 'ava';
import { runAgentfleet } from '../support/cli.js';

/** `agentfleet capacity` as a user runs it: the JSON contract (DESIGN §3) and flag errors. */

interface Plan {
  name: string;
  slots: number;
  targetConcurrency: number;
  meets: boolean;
  monthlyCostUsd: number;
  pools: { name: string; units: number; slots: number; slotHourlyUsd: number; monthlyCostUsd: number }[];
}

test('capacity --env prod --json names each plan, its slots, target, whether it meets it and its monthly cost', async (t) => {
  const run = await runAgentfleet(['capacity', '--env', 'prod', '--json']);
  t.is(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { plans: Plan[]; prices: { value: number; source: string; date: string }[]; mix?: unknown };
  t.deepEqual(report.plans.map((plan) => plan.name), ['baseline', 'peak', 'surge']);
  for (const plan of report.plans) {
    t.is(plan.slots, plan.pools.reduce((sum, pool) => sum + pool.slots, 0));
    t.is(plan.meets, plan.slots >= plan.targetConcurrency);
    t.true(plan.monthlyCostUsd > plan.pools.reduce((sum, pool) => sum + pool.monthlyCostUsd, 0), 'SQS requests are part of the monthly cost');
    t.deepEqual(plan.pools.map((pool) => pool.name), ['spot', 'on-demand', 'burst-spot', 'burst-ondemand']);
  }
  t.deepEqual(report.plans.map((plan) => plan.targetConcurrency), [2000, 5000, 10000]);
  t.true(report.prices.length > 0 && report.prices.every((price) => price.source.length > 0 && /^\d{4}-\d{2}/.test(price.date)));
  t.is(report.mix, undefined);
});

test('capacity --concurrency with --footprint 0.5,2 finds no mix within prod\'s limits and says which to raise', async (t) => {
  const run = await runAgentfleet(['capacity', '--env', 'prod', '--concurrency', '10000', '--footprint', '0.5,2', '--json']);
  t.is(run.code, 0, run.stderr);
  const { mix } = JSON.parse(run.stdout) as { mix: { meets: boolean; slots: number; targetConcurrency: number; limits: { path: string; raise: boolean }[]; quotas: { needed: number }[] } };
  t.false(mix.meets);
  t.is(mix.targetConcurrency, 10_000);
  t.true(mix.slots >= 10_000);
  t.true(mix.limits.some((limit) => limit.path === 'pools.spot.max' && limit.raise));
});

test('the human table shows the plans, the brief\'s table recomputed, and every price with its source', async (t) => {
  const run = await runAgentfleet(['capacity', '--env', 'prod', '--concurrency', '2000']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /Plan "baseline"/);
  t.regex(run.stdout, /c6g\.xlarge .*\$0\.0085/);
  t.regex(run.stdout, /Compute Savings Plan/);
  t.regex(run.stdout, /architecture-brief\.md/);
});

for (const [args, flag] of [
  [['--concurrency', 'lots'], '--concurrency'],
  [['--concurrency', '0'], '--concurrency'],
  [['--footprint', '0.5'], '--footprint'],
  [['--footprint', '0.5,-2'], '--footprint'],
  [['--footprint', '64,2'], '--footprint'],
] as const) {
  test(`capacity ${args.join(' ')} is refused with a message naming ${flag}`, async (t) => {
    const run = await runAgentfleet(['capacity', '--env', 'prod', ...args]);
    t.is(run.code, 2);
    t.regex(run.stderr, new RegExp(`^agentfleet: ${flag}: `));
  });
}

test('capacity --env nowhere names --env', async (t) => {
  const run = await runAgentfleet(['capacity', '--env', 'nowhere']);
  t.is(run.code, 2);
  t.regex(run.stderr, /--env: unknown environment "nowhere"/);
});
