import test from 'ava';
import { loadEnvironment } from '../../environments/index.js';
import { withFootprint } from '../../services/scaler/cost/footprint.js';
import { HOURS_PER_MONTH, poolMonthlyUsd, poolUnitHourlyUsd, slotHourlyUsd, slotsPerUnit } from '../../services/scaler/cost/pool-cost.js';
import { sqsRequestsMonthly, sqsRequestsMonthlyUsd } from '../../services/scaler/cost/sqs-cost.js';

/** Prod with the brief's agent (0.5 vCPU, 2 GiB), whatever footprint the agents file gives prod itself. */
const brief = withFootprint(loadEnvironment('prod'), { vcpu: 0.5, memoryGiB: 2 });

test('a month is 730 hours', (t) => {
  t.is(HOURS_PER_MONTH, 730);
});

test('the brief\'s baseline Spot pool: 20 × c6g.2xlarge × $0.068 × 730 h = $992.80 a month', (t) => {
  t.is(poolUnitHourlyUsd(brief, 'spot'), 0.068);
  t.is(Number(poolMonthlyUsd(brief, 'spot', 20).toFixed(2)), 992.8);
});

test('the brief\'s baseline On-Demand pool: 10 × c6g.2xlarge × $0.272 × 730 h = $1,985.60 a month', (t) => {
  t.is(Number(poolMonthlyUsd(brief, 'on-demand', 10).toFixed(2)), 1985.6);
});

test('a c6g.2xlarge Spot slot costs $0.068 / 8 = $0.0085 an hour', (t) => {
  t.is(slotsPerUnit(brief, 'spot'), 8);
  t.is(slotHourlyUsd(brief, 'spot'), 0.0085);
});

test('a 1 vCPU / 2 GiB x86 Fargate task: $0.04048 + 2 × $0.004445 On-Demand, 30 % of that on Spot', (t) => {
  const onDemand = 0.04048 + 2 * 0.004445;
  t.is(Number(poolUnitHourlyUsd(brief, 'burst-ondemand').toFixed(6)), Number(onDemand.toFixed(6)));
  t.is(Number(poolUnitHourlyUsd(brief, 'burst-spot').toFixed(6)), Number((0.012144 + 2 * 0.0013335).toFixed(6)));
  t.is(slotsPerUnit(brief, 'burst-ondemand'), 1);
});

test('a smaller footprint fits more slots on the same instance, so each slot costs less', (t) => {
  const small = withFootprint(brief, { vcpu: 0.25, memoryGiB: 1 });
  t.is(slotsPerUnit(small, 'spot'), 16);
  t.is(slotHourlyUsd(small, 'spot'), 0.068 / 16);
  t.is(poolUnitHourlyUsd(small, 'spot'), poolUnitHourlyUsd(brief, 'spot'));
});

test('SQS: FACTS.md\'s heartbeat case, 10,000 runs extending visibility every 60 s in batches of 10, is 43.8 M requests, ≈ $17 after the free million', (t) => {
  const cost = sqsRequestsMonthly(brief.pricing, {
    concurrency: 10_000,
    meanRunSeconds: Number.POSITIVE_INFINITY,
    heartbeatSeconds: 60,
    heartbeatBatch: 10,
    sendBatch: 1,
    receiveBatch: 1,
    deleteBatch: 1,
    messageKiB: 1,
  });
  t.is(cost.requests.heartbeat, (10_000 / 10) * ((730 * 3600) / 60));
  t.is(cost.requests.send + cost.requests.receive + cost.requests.delete, 0);
  t.is(Number(cost.monthlyCostUsd.toFixed(2)), Number((((43_800_000 - 1_000_000) / 1_000_000) * 0.4).toFixed(2)));
});

test('SQS: a run is a send, a receive and a delete; batches divide and each started 64 KiB chunk of the body counts again; the first million is free', (t) => {
  const usage = { concurrency: 100, meanRunSeconds: 3600, heartbeatSeconds: 300, heartbeatBatch: 1, sendBatch: 1, receiveBatch: 1, deleteBatch: 1, messageKiB: 4 };
  const single = sqsRequestsMonthly(brief.pricing, usage);
  t.is(single.runsPerMonth, 100 * 730);
  t.is(single.requests.send, 73_000);
  t.is(single.requests.heartbeat, 100 * 12 * 730);
  const batched = sqsRequestsMonthly(brief.pricing, { ...usage, sendBatch: 10, receiveBatch: 10, deleteBatch: 10 });
  t.is(batched.requests.send, 7_300);
  t.is(batched.requests.delete, 7_300);
  const large = sqsRequestsMonthly(brief.pricing, { ...usage, messageKiB: 65 });
  t.is(large.requests.send, 2 * 73_000);
  t.is(large.requests.delete, 73_000);
  // 3 × 73,000 + 876,000 = 1,095,000 requests, 95,000 of them past the free million.
  t.is(single.requests.total, 1_095_000);
  t.is(Number(sqsRequestsMonthlyUsd(brief.pricing, usage).toFixed(6)), 0.038);
});
