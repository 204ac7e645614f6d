import test from 'ava';
import { loadEnvironment } from '../../environments/index.js';
import { withFootprint } from '../../services/scaler/cost/footprint.js';
import { mixReport } from '../../services/scaler/cost/mix-report.js';

const prod = loadEnvironment('prod');

test('prod\'s pool maxima hold 10,000 concurrent runs of the deployed agents within the 70/20/10 split', (t) => {
  const mix = mixReport(prod, 10_000);
  t.true(mix?.meets, JSON.stringify(mix?.limits));
  t.true((mix?.slots ?? 0) >= 10_000);
  for (const line of mix?.pools ?? []) t.true(line.units <= prod.pools[line.name].max, `${line.name} within its max`);
});

test('for an agent that needs 0.5 vCPU / 2 GiB, 10,000 runs need more than prod\'s maxima, and the report names each limit', (t) => {
  const mix = mixReport(withFootprint(prod, { vcpu: 0.5, memoryGiB: 2 }), 10_000);
  t.false(mix?.meets);
  t.true((mix?.slots ?? 0) >= 10_000);
  const raise = (mix?.limits ?? []).filter((limit) => limit.raise).map((limit) => limit.path);
  t.true(raise.includes('pools.spot.max'));
  t.true(raise.includes('scaling.burst.maxTotalTasks'));
  const spotQuota = mix?.quotas.find((quota) => quota.id === 'ec2-spot-vcpu');
  t.is(spotQuota?.needed, (mix?.pools.find((line) => line.name === 'spot')?.units ?? 0) * 8);
  t.true(spotQuota?.check);
});
