import test from 'ava';
import { loadEnvironment } from '../../environments/index.js';
import { BRIEF_INSTANCE_TABLE, agreesAsWritten, briefFindings, instanceTable } from '../../services/scaler/cost/brief-check.js';
import { withFootprint } from '../../services/scaler/cost/footprint.js';
import { planReport } from '../../services/scaler/cost/plan-cost.js';

const prod = loadEnvironment('prod');
const brief = withFootprint(prod, { vcpu: 0.5, memoryGiB: 2 });

test('the brief\'s instance table is reproduced from the prices: c6g.xlarge and c6g.2xlarge at $0.0085 a task-hour, the ranges to their precision', (t) => {
  const rows = instanceTable(prod);
  t.is(rows.length, BRIEF_INSTANCE_TABLE.length);
  for (const row of rows) t.true(row.agrees, `${row.type}: ${JSON.stringify(row)}`);
  const byType = Object.fromEntries(rows.map((row) => [row.type, row]));
  t.is(byType['c6g.xlarge']?.slotHourUsd, 0.034 / 4);
  t.is(byType['c6g.2xlarge']?.slotHourUsd, 0.068 / 8);
  t.is(byType['m6g.2xlarge']?.slots, 16);
  t.is(byType['r6g.xlarge']?.slots, 8);
});

test('agreement is to the precision the brief wrote: 0.00475 is "0.005", 0.0044 is not', (t) => {
  t.true(agreesAsWritten(0.00475, 0.005));
  t.false(agreesAsWritten(0.0044, 0.005));
  t.true(agreesAsWritten(0.009625, 0.01));
  t.false(agreesAsWritten(0.0084, 0.009));
});

test('the brief\'s baseline is not ~$2,500 a month: 20 Spot + 10 On-Demand c6g.2xlarge cost $2,978.40 of compute', (t) => {
  const baseline = brief.plans.find((plan) => plan.name === 'baseline');
  if (!baseline) return t.fail('prod has no baseline plan');
  const report = planReport(brief, baseline);
  t.is(Number(report.computeMonthlyCostUsd.toFixed(2)), Number(((20 * 0.068 + 10 * 0.272) * 730).toFixed(2)));
  const finding = briefFindings(prod).find((f) => f.subject === 'baseline plan cost');
  t.false(finding?.holds);
});

test('the brief\'s surge plan does not hold 10,000 runs of a 0.5 vCPU agent: 150 × 8 + 30 × 8 + 200 × 1 = 1,640 slots', (t) => {
  const surge = brief.plans.find((plan) => plan.name === 'surge');
  if (!surge) return t.fail('prod has no surge plan');
  const report = planReport(brief, surge);
  t.is(report.slots, 1640);
  t.is(report.targetConcurrency, 10_000);
  t.false(report.meets);
  t.false(briefFindings(prod).find((f) => f.subject === 'surge plan capacity')?.holds);
});
