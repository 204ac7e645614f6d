import test from 'ava';
import { loadEnvironment } from '../../environments/index.js';
import { withFootprint } from '../../services/scaler/cost/footprint.js';
import { HOURS_PER_MONTH, poolMonthlyUsd, poolUnitHourlyUsd, slotHourlyUsd, slotsPerUnit } from '../../services/scaler/cost/pool-cost.js';

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
