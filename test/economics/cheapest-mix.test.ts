import test from 'ava';
import fc from 'fast-check';
import type { PoolName } from '../../environments/index.js';
import { cheapestMix, isValidMix, mixHourlyUsd, unlimited, type Mix, type MixProblem } from '../../services/scaler/cost/cheapest-mix.js';

const POOLS: PoolName[] = ['spot', 'on-demand', 'burst-spot', 'burst-ondemand'];

/** Every mix within the pools' bounds, checked one by one: the answer the search must match. */
function bruteForce(problem: MixProblem): number | undefined {
  let best: number | undefined;
  const visit = (index: number, units: Partial<Mix>) => {
    const pool = POOLS[index];
    if (!pool) {
      const mix = units as Mix;
      if (isValidMix(problem, mix)) {
        const usd = mixHourlyUsd(problem, mix);
        if (best === undefined || usd < best) best = usd;
      }
      return;
    }
    for (let n = problem.pools[pool].min; n <= problem.pools[pool].max; n++) visit(index + 1, { ...units, [pool]: n });
  };
  visit(0, {});
  return best;
}

const rounded = (usd: number | undefined) => (usd === undefined ? undefined : Number(usd.toFixed(6)));

const pool = (maxUnits: number) =>
  fc
    .record({ slotsPerUnit: fc.integer({ min: 1, max: 8 }), unitHourlyUsd: fc.integer({ min: 1, max: 60 }).map((cents) => cents / 100), min: fc.integer({ min: 0, max: 2 }), extra: fc.integer({ min: 0, max: maxUnits }) })
    .map(({ extra, ...rest }) => ({ ...rest, max: rest.min + extra }));

const problems: fc.Arbitrary<MixProblem> = fc
  .record({
    target: fc.integer({ min: 1, max: 40 }),
    spot: pool(10),
    onDemand: pool(5),
    burstSpot: pool(5),
    burstOnDemand: pool(4),
    tolerance: fc.constantFrom(0, 0.05, 0.1, 0.2),
    maxBurstTasks: fc.integer({ min: 0, max: 8 }),
    /** Prod's burst pools run one task definition: same slots per task. */
    sameTask: fc.boolean(),
    split: fc.constantFrom({ spot: 0.7, 'on-demand': 0.2, burst: 0.1 }, { spot: 0.5, 'on-demand': 0.3, burst: 0.2 }, { spot: 1, 'on-demand': 0, burst: 0 }),
  })
  .map((p) => ({
    target: p.target,
    pools: {
      spot: p.spot,
      'on-demand': p.onDemand,
      'burst-spot': p.burstSpot,
      'burst-ondemand': p.sameTask ? { ...p.burstOnDemand, slotsPerUnit: p.burstSpot.slotsPerUnit } : p.burstOnDemand,
    },
    split: p.split,
    tolerance: p.tolerance,
    maxBurstTasks: p.maxBurstTasks,
  }));

test('the cheapest mix costs what the cheapest of all valid mixes costs, and is none when no mix is valid', (t) => {
  fc.assert(
    fc.property(problems, (problem) => {
      const found = cheapestMix(problem);
      const expected = bruteForce(problem);
      if (expected === undefined) return found === undefined;
      return found !== undefined && isValidMix(problem, found.units) && Math.abs(found.hourlyUsd - expected) < 1e-9;
    }),
    { numRuns: 400 },
  );
  t.pass();
});

test('70/20/10 ± 5 points for 100 runs: 8 Spot + 2 On-Demand + 7 burst-spot (107 slots: 74.8 / 18.7 / 6.5 %) for $1.95 an hour', (t) => {
  const problem: MixProblem = {
    target: 100,
    pools: {
      spot: { slotsPerUnit: 10, unitHourlyUsd: 0.1, min: 0, max: 12 },
      'on-demand': { slotsPerUnit: 10, unitHourlyUsd: 0.4, min: 0, max: 6 },
      'burst-spot': { slotsPerUnit: 1, unitHourlyUsd: 0.05, min: 0, max: 20 },
      'burst-ondemand': { slotsPerUnit: 1, unitHourlyUsd: 0.2, min: 0, max: 20 },
    },
    split: { spot: 0.7, 'on-demand': 0.2, burst: 0.1 },
    tolerance: 0.05,
    maxBurstTasks: 20,
  };
  const found = cheapestMix(problem);
  t.deepEqual(found?.units, { spot: 8, 'on-demand': 2, 'burst-spot': 7, 'burst-ondemand': 0 });
  t.is(found?.slots, 107);
  t.is(rounded(found?.hourlyUsd), rounded(0.8 + 0.8 + 0.35));
  t.is(rounded(found?.hourlyUsd), rounded(bruteForce(problem)));
});

test('burst-ondemand tasks are used only once burst-spot is at its max', (t) => {
  const problem: MixProblem = {
    target: 20,
    pools: {
      spot: { slotsPerUnit: 2, unitHourlyUsd: 0.1, min: 0, max: 7 },
      'on-demand': { slotsPerUnit: 2, unitHourlyUsd: 0.3, min: 0, max: 10 },
      'burst-spot': { slotsPerUnit: 1, unitHourlyUsd: 0.05, min: 0, max: 1 },
      'burst-ondemand': { slotsPerUnit: 1, unitHourlyUsd: 0.5, min: 0, max: 10 },
    },
    split: { spot: 0.7, 'on-demand': 0.2, burst: 0.1 },
    tolerance: 0.05,
    maxBurstTasks: 10,
  };
  const found = cheapestMix(problem);
  t.is(found?.units['burst-spot'], 1);
  t.is(found?.units['burst-ondemand'], 1);
  t.is(rounded(found?.hourlyUsd), rounded(bruteForce(problem)));
});

test('when the maxima are too small, the unlimited problem says how many units each pool needs', (t) => {
  const problem: MixProblem = {
    target: 1000,
    pools: {
      spot: { slotsPerUnit: 8, unitHourlyUsd: 0.068, min: 0, max: 20 },
      'on-demand': { slotsPerUnit: 8, unitHourlyUsd: 0.272, min: 0, max: 5 },
      'burst-spot': { slotsPerUnit: 1, unitHourlyUsd: 0.0148, min: 0, max: 10 },
      'burst-ondemand': { slotsPerUnit: 1, unitHourlyUsd: 0.0494, min: 0, max: 10 },
    },
    split: { spot: 0.7, 'on-demand': 0.2, burst: 0.1 },
    tolerance: 0.05,
    maxBurstTasks: 10,
  };
  t.is(cheapestMix(problem), undefined);
  const needed = cheapestMix(unlimited(problem));
  t.truthy(needed);
  t.true((needed?.slots ?? 0) >= 1000);
  t.true((needed?.units.spot ?? 0) > 20);
  t.true(isValidMix({ ...unlimited(problem) }, needed!.units));
});
