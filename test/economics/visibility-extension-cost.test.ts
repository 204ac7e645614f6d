import test from 'ava';
import { loadEnvironment } from '../../environments/index.js';
import { loadConfig } from '../../services/core/config.js';
import { extensionPeriodSeconds, extensionsPerCall } from '../../services/core/queue/extension-schedule.js';
import { capacityReport } from '../../services/scaler/cost/capacity-report.js';
import { HOURS_PER_MONTH, slotsPerUnit } from '../../services/scaler/cost/pool-cost.js';
import { sqsAssumptions } from '../../services/scaler/cost/sqs-assumptions.js';
import { sqsRequestsMonthly } from '../../services/scaler/cost/sqs-cost.js';

/**
 * The capacity planner prices visibility extensions the way workers send them: every third of the
 * visibility a worker receives with (VISIBILITY_SECONDS' default), gathered five times a period into
 * ChangeMessageVisibilityBatch calls, so a call carries a fifth of a full worker's slots (at most 10).
 */

const prod = loadEnvironment('prod');
const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

test('a gathering holds a fifth of a worker\'s runs, in calls of at most 10; a call carries at least one', (t) => {
  t.is(extensionsPerCall(38, 10), 7.6);
  t.is(extensionsPerCall(50, 10), 10);
  t.is(extensionsPerCall(60, 10), 6, '12 due at once go out as two calls');
  t.is(extensionsPerCall(4, 10), 1, 'a 4-slot task has less than one due per gathering');
  t.is(extensionsPerCall(1, 10), 1);
});

test('the planner extends every VISIBILITY_SECONDS/3 of the worker\'s default, in calls as full as a full spot worker\'s', (t) => {
  const { VISIBILITY_SECONDS } = loadConfig({});
  const assumed = sqsAssumptions(prod);
  t.is(assumed.heartbeatSeconds, extensionPeriodSeconds(VISIBILITY_SECONDS));
  t.is(assumed.heartbeatSeconds, 10);
  t.is(assumed.heartbeatBatch, extensionsPerCall(slotsPerUnit(prod, 'spot'), 10));
});

test('10,000 concurrent runs on prod\'s cheapest mix: each pool\'s workers count with their own slots, and the mix\'s SQS bill includes it', (t) => {
  const mix = capacityReport(prod, { concurrency: 10_000 }).mix;
  if (!mix) throw new Error('prod holds no mix for 10,000 runs');
  const calls = mix.pools.reduce((sum, pool) => sum + (pool.slots === 0 ? 0 : pool.slots / extensionsPerCall(pool.slotsPerUnit, 10)), 0);
  const perCall = mix.slots / calls;
  const extensionsPerSecond = 10_000 / 10;
  const usage = { ...sqsAssumptions(prod, mix.pools), concurrency: 10_000 };
  t.is(usage.heartbeatBatch, perCall);
  const cost = sqsRequestsMonthly(prod.pricing, usage);
  t.is(Math.round(cost.requests.heartbeat), Math.round((extensionsPerSecond / perCall) * SECONDS_PER_MONTH));
  t.is(mix.sqsMonthlyCostUsd, cost.monthlyCostUsd);
  const unbatched = sqsRequestsMonthly(prod.pricing, { ...usage, heartbeatBatch: 1 });
  t.true(cost.requests.heartbeat < unbatched.requests.heartbeat / 4, 'gathering cuts the extension calls by more than four');
  const extensionUsd = (cost.requests.heartbeat / 1e6) * prod.pricing.sqs.perMillionRequestsUsd.value;
  t.log(
    `10,000 runs: ${extensionsPerSecond} extensions/s in ${(extensionsPerSecond / perCall).toFixed(1)} calls/s (${perCall.toFixed(2)} each), ` +
      `${(cost.requests.heartbeat / 1e6).toFixed(1)} M requests/month, $${extensionUsd.toFixed(0)}/month; SQS in all $${cost.monthlyCostUsd.toFixed(0)}/month`,
  );
});
