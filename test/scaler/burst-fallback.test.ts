import test from 'ava';
import { decide } from '../../services/scaler/policy/decide.js';
import { EMPTY_MEMORY } from '../../services/scaler/policy/types.js';
import { inputOf, poolsOf, settingsOf, WEDNESDAY_10_UTC } from './helpers/policy-input.js';
import { pool, reasonCodes } from './helpers/decision.js';

/** prod: burst tasks move to On-Demand after 180 s pending on Fargate Spot. */
const settings = settingsOf('prod', { policy: 'backlog' });
const queue = { visible: 200, inFlight: 1000 };
const ec2Booting = { spot: { desired: 120, running: 20, pending: 100 }, 'on-demand': 30 } as const;

function tick(at: number, burstSpot: { desired: number; running: number; pending: number }, memory = EMPTY_MEMORY, burstOnDemand = 0) {
  const pools = poolsOf('prod', { ...ec2Booting, 'burst-spot': burstSpot, 'burst-ondemand': burstOnDemand });
  return decide(inputOf('prod', { ...queue, pools, memory, settings, now: at }));
}

test('Fargate Spot is asked first and On-Demand gets nothing while Spot tasks start normally', (t) => {
  const decision = tick(WEDNESDAY_10_UTC, { desired: 0, running: 0, pending: 0 });
  t.is(pool(decision, 'burst-spot').desired, 120);
  t.is(pool(decision, 'burst-ondemand').desired, 0);
});

test('Spot tasks pending for less than the limit stay on Spot; past it the shortfall moves to burst-ondemand', (t) => {
  const first = tick(WEDNESDAY_10_UTC, { desired: 120, running: 30, pending: 90 });
  t.is(first.memory.burstSpotPendingSince, WEDNESDAY_10_UTC);
  t.is(pool(first, 'burst-ondemand').desired, 0);

  const stillWaiting = tick(WEDNESDAY_10_UTC + 179_000, { desired: 120, running: 30, pending: 90 }, first.memory);
  t.is(pool(stillWaiting, 'burst-ondemand').desired, 0);

  const moved = tick(WEDNESDAY_10_UTC + 180_000, { desired: 120, running: 30, pending: 90 }, stillWaiting.memory);
  t.is(pool(moved, 'burst-ondemand').desired, 90);
  t.true(reasonCodes(moved, 'burst-ondemand').includes('burst-fallback'));
  // The Spot request stays open: pending Fargate tasks cost nothing and may still start.
  t.is(pool(moved, 'burst-spot').desired, 120);
});

test('when Spot tasks finally start, On-Demand is scaled back in and the pending clock resets', (t) => {
  const stuck = tick(WEDNESDAY_10_UTC, { desired: 120, running: 30, pending: 90 });
  const moved = tick(WEDNESDAY_10_UTC + 200_000, { desired: 120, running: 30, pending: 90 }, stuck.memory);
  t.is(pool(moved, 'burst-ondemand').desired, 90);
  const recovered = tick(WEDNESDAY_10_UTC + 900_000, { desired: 120, running: 120, pending: 0 }, moved.memory, 90);
  t.is(recovered.memory.burstSpotPendingSince, undefined);
  t.true(pool(recovered, 'burst-ondemand').desired < 90);
});
