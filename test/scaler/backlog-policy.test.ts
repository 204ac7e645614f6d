import test from 'ava';
import { decide } from '../../services/scaler/policy/decide.js';
import { inputOf, poolsOf, settingsOf } from './helpers/policy-input.js';
import { pool, reasonCodes, sizes } from './helpers/decision.js';

/** The proportional policy on prod's pools (8-slot instances, 1-slot burst tasks, target 1 run per slot). */
const settings = settingsOf('prod', { policy: 'backlog' });

test('backlog: slots = ceil((visible + inFlight) / targetBacklogPerSlot), Spot first after On-Demand’s share', (t) => {
  const decision = decide(inputOf('prod', { visible: 800, inFlight: 400, pools: poolsOf('prod', { spot: 0, 'on-demand': 30 }), settings }));
  t.is(decision.targetSlots, 1200);
  t.is(pool(decision, 'on-demand').desired, 240);
  t.is(pool(decision, 'spot').desired, 960);
});

test('backlog: a target of 4 runs per slot asks for a quarter of the slots, rounded up', (t) => {
  const decision = decide(inputOf('prod', { visible: 1001, inFlight: 0, settings: settingsOf('prod', { policy: 'backlog', targetBacklogPerSlot: 4 }) }));
  t.is(decision.targetSlots, 251);
});

test('backlog: Fargate bridges what EC2 has not brought into service, at most its 10 % share', (t) => {
  const booting = poolsOf('prod', { spot: { desired: 120, running: 20, pending: 100 }, 'on-demand': 30 });
  const decision = decide(inputOf('prod', { visible: 200, inFlight: 1000, pools: booting, settings }));
  t.is(sizes(decision)['burst-spot'], 120);
  const smallGap = poolsOf('prod', { spot: { desired: 120, running: 115, pending: 5 }, 'on-demand': 30 });
  const nearly = decide(inputOf('prod', { visible: 200, inFlight: 1000, pools: smallGap, settings }));
  // 1,200 slots wanted, 115×8 + 240 = 1,160 in service: the gap is 40 slots.
  t.is(sizes(nearly)['burst-spot'], 40);
});

test('backlog: once EC2 serves the whole target the burst pools shrink back', (t) => {
  const pools = poolsOf('prod', { spot: 120, 'on-demand': 30, 'burst-spot': 120 });
  const decision = decide(inputOf('prod', { visible: 200, inFlight: 1000, pools, settings }));
  t.true(pool(decision, 'burst-spot').desired < 120);
  t.true(reasonCodes(decision, 'burst-spot').includes('slow-scale-in'));
});

test('backlog: an empty queue returns the fleet toward its floors, never below the pools’ min', (t) => {
  const decision = decide(inputOf('prod', { pools: poolsOf('prod', { spot: 8, 'on-demand': 40 }), settings }));
  t.is(sizes(decision)['on-demand'], 36); // 10 % of 320 slots per tick
  t.is(sizes(decision).spot, 7); // 10 % of 64 slots is less than one instance: one instance (8 slots)
  const atMin = decide(inputOf('prod', { pools: poolsOf('prod', { spot: 0, 'on-demand': 30 }), settings }));
  t.false(atMin.changed);
});

test('backlog: a floor raised by `scaler prewarm` holds Spot up even with an empty queue', (t) => {
  const decision = decide(inputOf('prod', { settings, floors: [{ pool: 'spot', instances: 40, source: 'prewarm', until: Date.now() + 60_000 }] }));
  t.is(sizes(decision).spot, 40);
  t.true(reasonCodes(decision, 'spot').includes('floor'));
});
