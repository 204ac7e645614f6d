import test from 'ava';
import { POOL_NAMES } from '../../environments/index.js';
import { summarise } from '../../services/scaler/simulator/summary.js';
import { loadTrace } from '../../services/scaler/simulator/trace.js';
import { prod, SHORT_TRACE_FILE, simulateShort } from './helpers.js';

for (const policy of ['step', 'backlog'] as const) {
  test(`${policy}: every arrival is finished, running or still queued at the end`, (t) => {
    const { runs } = simulateShort({ policy });
    t.true(runs.arrived > 1000);
    t.true(runs.finished > 0);
    t.is(runs.arrived, runs.finished + runs.running + runs.queued);
  });

  test(`${policy}: no pool ever holds or asks for more than its max`, (t) => {
    const result = simulateShort({ policy });
    for (const pool of result.pools) t.true(pool.peakUnits <= pool.maxUnits, `${pool.name}: peak ${pool.peakUnits} > max ${pool.maxUnits}`);
    const maxSlots = new Map(result.pools.map((p) => [p.name, (p.maxUnits * p.slotsPerMachine) / p.unitsPerMachine]));
    for (const sample of result.timeline) {
      for (const name of POOL_NAMES) {
        const { desiredSlots, inServiceSlots } = sample.pools[name];
        t.true(desiredSlots <= (maxSlots.get(name) ?? 0) && inServiceSlots <= (maxSlots.get(name) ?? 0), `${name} at ${sample.at}s: ${desiredSlots}/${inServiceSlots}`);
      }
    }
  });
}

test('the same seed gives the same result, to the last sample', (t) => {
  const trace = loadTrace(SHORT_TRACE_FILE);
  const a = summarise(prod, trace, simulateShort({ seed: 42 }));
  const b = summarise(prod, trace, simulateShort({ seed: 42 }));
  t.deepEqual(a, b);
});

test('different seeds give different arrivals and waits', (t) => {
  const a = simulateShort({ seed: 1 });
  const b = simulateShort({ seed: 2 });
  t.not(a.runs.arrived, b.runs.arrived);
  t.notDeepEqual(a.waits, b.waits);
});

test('Spot notices hand runs back to the queue, they are retried and counted', (t) => {
  const result = simulateShort();
  const notices = result.pools.filter((p) => p.name === 'spot' || p.name === 'burst-spot').reduce((sum, p) => sum + p.reclaimed, 0);
  t.true(notices > 0);
  t.true(result.runs.handedBack > 0);
  // A handed-back run is not lost: it is counted once among finished, running or queued.
  t.is(result.runs.arrived, result.runs.finished + result.runs.running + result.runs.queued);
  // On-Demand machines never get a notice.
  t.is(result.pools.find((p) => p.name === 'on-demand')?.reclaimed, 0);
});

test('with Fargate Spot short, the scaler moves burst capacity to Fargate On-Demand', (t) => {
  const result = simulateShort({ policy: 'backlog' });
  const burstSpot = result.pools.find((p) => p.name === 'burst-spot');
  const burstOnDemand = result.pools.find((p) => p.name === 'burst-ondemand');
  t.true((burstOnDemand?.launched ?? 0) > 0);
  // Never more than the 20 tasks Fargate Spot can place are in service on it.
  t.true(result.timeline.every((s) => s.pools['burst-spot'].inServiceSlots <= 20 * (burstSpot ? burstSpot.slotsPerMachine : 1)));
});

test('new capacity takes runs only after its boot time: slots in service never exceed what was asked for a minute earlier', (t) => {
  const asked: { at: number; slots: Record<string, number> }[] = [];
  const start = Date.parse(loadTrace(SHORT_TRACE_FILE).start);
  const result = simulateShort({
    policy: 'backlog',
    onDecision: (input, decision) => asked.push({ at: (input.now - start) / 1000, slots: Object.fromEntries(decision.pools.map((p) => [p.name, p.desiredSlots])) }),
  });
  const perMachine = new Map(result.pools.map((p) => [p.name, p.slotsPerMachine]));
  let checked = 0;
  for (const sample of result.timeline) {
    // EC2 needs at least 60 s, Fargate 20 s, from the launch to the first run.
    for (const [name, boot] of [['spot', 60], ['on-demand', 60], ['burst-spot', 20], ['burst-ondemand', 20]] as const) {
      const earlier = asked.filter((a) => a.at <= sample.at - boot);
      if (earlier.length === 0) continue;
      const slots = perMachine.get(name) ?? 1;
      const ceiling = Math.max(...earlier.map((a) => Math.ceil((a.slots[name] ?? 0) / slots) * slots));
      t.true(sample.pools[name].inServiceSlots <= ceiling, `${name} at ${sample.at}s: ${sample.pools[name].inServiceSlots} in service, at most ${ceiling} asked`);
      checked++;
    }
  }
  t.true(checked > 100);
});
