import test from 'ava';
import { decide } from '../../services/scaler/policy/decide.js';
import { whatIf } from '../../services/scaler/what-if.js';
import { configOf, inputOf, poolsOf, settingsOf, WEDNESDAY_10_UTC } from './helpers/policy-input.js';
import { reasonCodes, sizes } from './helpers/decision.js';

/**
 * The brief's step rules on prod's config: spot 20 + on-demand 30 instances (c6g.2xlarge, 8 slots) to start.
 * Prod runs backlog by default (simulate --compare), so the step policy is asked for by name.
 */
const prodConfig = configOf('prod');
const prod = { ...prodConfig, scaling: { ...prodConfig.scaling, policy: 'step' as const } };
const start = { spot: 20, 'on-demand': 30 } as const;

const table: { visible: number; spot: number; onDemand: number; burstSpot: number; rule?: number }[] = [
  { visible: 0, spot: 20, onDemand: 30, burstSpot: 0 },
  { visible: 100, spot: 20, onDemand: 30, burstSpot: 0 },
  { visible: 101, spot: 30, onDemand: 30, burstSpot: 0, rule: 100 },
  { visible: 150, spot: 30, onDemand: 30, burstSpot: 0, rule: 100 },
  { visible: 500, spot: 30, onDemand: 30, burstSpot: 0, rule: 100 },
  { visible: 600, spot: 70, onDemand: 30, burstSpot: 0, rule: 500 },
  { visible: 1000, spot: 70, onDemand: 30, burstSpot: 0, rule: 500 },
  // +100 instances on EC2 (800 slots → 1,200 in all), Fargate bridges 10 % of the target while EC2 boots.
  { visible: 1200, spot: 120, onDemand: 30, burstSpot: 120, rule: 1000 },
];

for (const row of table) {
  test(`step: ${row.visible} visible on spot=20,on-demand=30 → spot ${row.spot}, on-demand ${row.onDemand}, burst-spot ${row.burstSpot}`, (t) => {
    const decision = whatIf(prod, { visible: row.visible, inFlight: 0, current: start, at: new Date(WEDNESDAY_10_UTC) });
    t.deepEqual(sizes(decision), { spot: row.spot, 'on-demand': row.onDemand, 'burst-spot': row.burstSpot, 'burst-ondemand': 0 });
    t.is(decision.rule?.visibleAbove, row.rule);
  });
}

test('step: the Fargate burst opens only with the rule that enables it', (t) => {
  const at600 = whatIf(prod, { visible: 600, inFlight: 0, current: start, at: new Date(WEDNESDAY_10_UTC) });
  const at1200 = whatIf(prod, { visible: 1200, inFlight: 0, current: start, at: new Date(WEDNESDAY_10_UTC) });
  t.deepEqual(reasonCodes(at600, 'burst-spot'), ['burst-off']);
  t.true(reasonCodes(at1200, 'burst-spot').includes('burst'));
  t.true(at1200.rule?.enableBurst);
});

test('step: "+N instances" is relative to what the pools are asked for now', (t) => {
  const bigger = whatIf(prod, { visible: 150, inFlight: 0, current: { spot: 60, 'on-demand': 30 }, at: new Date(WEDNESDAY_10_UTC) });
  t.is(sizes(bigger).spot, 70);
});

test('step: On-Demand takes its 20 % share but stays within its 30–50 band, and Spot stops at its max', (t) => {
  const decision = whatIf(prod, { visible: 1200, inFlight: 0, current: { spot: 150, 'on-demand': 30 }, at: new Date(WEDNESDAY_10_UTC) });
  // 1,440 + 800 = 2,240 slots: 20 % is 448 slots (56 instances) → 50; Spot would need 230 → capped at 200.
  t.is(sizes(decision)['on-demand'], 50);
  t.is(sizes(decision).spot, 200);
  t.true(reasonCodes(decision, 'spot').includes('max'));
  // What EC2 can never hold (240 slots) joins the burst allowance, capped at 200 tasks.
  t.is(sizes(decision)['burst-spot'], 200);
});

test('step: a rule firing again inside the scale-out cooldown is held', (t) => {
  const settings = settingsOf('prod', { policy: 'step' });
  const first = decide(inputOf('prod', { visible: 600, pools: poolsOf('prod', start), settings }));
  const grown = poolsOf('prod', { spot: 70, 'on-demand': 30 });
  const soon = decide(inputOf('prod', { visible: 600, pools: grown, memory: first.memory, now: WEDNESDAY_10_UTC + 60_000, settings }));
  t.is(sizes(soon).spot, 70);
  t.true(reasonCodes(soon, 'spot').includes('scale-out-cooldown'));
  const later = decide(inputOf('prod', { visible: 600, pools: grown, memory: first.memory, now: WEDNESDAY_10_UTC + 121_000, settings }));
  t.is(sizes(later).spot, 120);
});

test('step: with no rule firing the fleet shrinks slowly toward the runs present, after the scale-in cooldown', (t) => {
  const settings = settingsOf('prod', { policy: 'step' });
  const pools = poolsOf('prod', { spot: 100, 'on-demand': 30 });
  const memory = { lastScaleOutAt: { spot: WEDNESDAY_10_UTC - 5 * 60_000 }, lastSetDesired: {} };
  const cooling = decide(inputOf('prod', { visible: 10, inFlight: 50, pools, memory, settings }));
  t.is(sizes(cooling).spot, 100);
  t.true(reasonCodes(cooling, 'spot').includes('scale-in-cooldown'));

  const after = decide(inputOf('prod', { visible: 10, inFlight: 50, pools, memory, settings, now: WEDNESDAY_10_UTC + 6 * 60_000 }));
  // 10 % of 800 slots per tick: 720 slots = 90 instances.
  t.is(sizes(after).spot, 90);
  t.true(reasonCodes(after, 'spot').includes('slow-scale-in'));
});

test('step: scale-in never goes below the slots busy workers use', (t) => {
  const pools = poolsOf('prod', { spot: { desired: 100, busySlots: 790 }, 'on-demand': 30 });
  const decision = decide(inputOf('prod', { visible: 0, pools }));
  t.is(decision.pools.find((p) => p.name === 'spot')?.desired, 790);
  t.true(reasonCodes(decision, 'spot').includes('busy'));
});
