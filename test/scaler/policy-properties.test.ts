import test from 'ava';
import fc from 'fast-check';
import { POOL_NAMES, loadEnvironment, type EnvironmentName } from '../../environments/index.js';
import { decide } from '../../services/scaler/policy/decide.js';
import { policySettings, poolShape } from '../../services/scaler/policy/settings.js';
import { EMPTY_MEMORY, type DecisionInput, type Floor, type PoolState } from '../../services/scaler/policy/types.js';

/** Laws the policy keeps for any state, in every environment, under both policies. */

const ENVIRONMENTS: EnvironmentName[] = ['dev', 'staging', 'prod'];
const NOW = Date.parse('2026-03-04T10:00:00Z');

const poolArbitrary = (env: EnvironmentName, name: (typeof POOL_NAMES)[number]): fc.Arbitrary<PoolState> => {
  const shape = poolShape(loadEnvironment(env), name);
  return fc
    .integer({ min: shape.min, max: shape.max })
    .chain((desired) => fc.record({ desired: fc.constant(desired), running: fc.integer({ min: 0, max: desired }) }))
    .chain(({ desired, running }) =>
      fc.record({
        desired: fc.constant(desired),
        running: fc.constant(running),
        busySlots: fc.integer({ min: 0, max: running * shape.slotsPerUnit }),
      }),
    )
    .map(({ desired, running, busySlots }) => ({ ...shape, desired, running, pending: desired - running, busySlots }));
};

const inputArbitrary: fc.Arbitrary<DecisionInput> = fc
  .record({ env: fc.constantFrom(...ENVIRONMENTS), policy: fc.constantFrom('step' as const, 'backlog' as const) })
  .chain(({ env, policy }) => {
    const config = loadEnvironment(env);
    const spotShape = poolShape(config, 'spot');
    return fc.record({
      now: fc.constant(NOW),
      queue: fc.record({ visible: fc.nat(20_000), inFlight: fc.nat(20_000), oldestAgeSeconds: fc.constant(0) }),
      pools: fc.tuple(...POOL_NAMES.map((name) => poolArbitrary(env, name))),
      floors: fc.option(
        fc.integer({ min: 0, max: spotShape.max / spotShape.unitsPerInstance }).map((instances): Floor[] => [{ pool: 'spot', instances, source: 'prewarm' }]),
        { nil: [] as Floor[] },
      ),
      memory: fc.record({
        lastScaleOutAt: fc.dictionary(fc.constantFrom(...POOL_NAMES), fc.integer({ min: NOW - 3_600_000, max: NOW })),
        lastSetDesired: fc.constant({}),
        burstSpotPendingSince: fc.option(fc.integer({ min: NOW - 600_000, max: NOW }), { nil: undefined }),
      }),
      settings: fc.constant(policySettings(config, { policy })),
    });
  })
  .map((input) => {
    const { burstSpotPendingSince, ...rest } = input.memory;
    return { ...input, memory: burstSpotPendingSince === undefined ? rest : { ...rest, burstSpotPendingSince } };
  });

test('no pool is ever asked for more than its max', (t) => {
  fc.assert(
    fc.property(inputArbitrary, (input) => {
      const decision = decide(input);
      for (const pool of decision.pools) {
        const state = input.pools.find((p) => p.name === pool.name) as PoolState;
        if (pool.desired > state.max) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('no pool is ever asked for less than its busy slots, its min or an active floor (unless that exceeds its max)', (t) => {
  fc.assert(
    fc.property(inputArbitrary, (input) => {
      const decision = decide(input);
      for (const pool of decision.pools) {
        const state = input.pools.find((p) => p.name === pool.name) as PoolState;
        const floorUnits = input.floors.filter((f) => f.pool === pool.name).map((f) => f.instances * state.unitsPerInstance);
        const lowest = Math.min(state.max, Math.max(state.min, Math.ceil(state.busySlots / state.slotsPerUnit), ...floorUnits));
        if (pool.desired < lowest) return false;
      }
      return true;
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('a deeper queue never asks any pool for less', (t) => {
  fc.assert(
    fc.property(inputArbitrary, fc.nat(5_000), fc.nat(5_000), (input, moreVisible, moreInFlight) => {
      const deeper = { ...input, queue: { ...input.queue, visible: input.queue.visible + moreVisible, inFlight: input.queue.inFlight + moreInFlight } };
      const shallow = decide(input);
      const deep = decide(deeper);
      return shallow.pools.every((pool, i) => pool.desired <= (deep.pools[i]?.desired ?? -1));
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('under a constant load every pool moves in one direction at most once, then settles (no oscillation)', (t) => {
  fc.assert(
    fc.property(inputArbitrary, (start) => {
      const tickMs = 30_000;
      let pools = start.pools.map((p) => ({ ...p }));
      let memory = start.memory;
      const history = new Map<string, number[]>(pools.map((p) => [p.name, [p.desired]]));
      for (let i = 1; i <= 400; i++) {
        const decision = decide({ ...start, now: start.now + i * tickMs, pools, memory });
        memory = decision.memory;
        // Capacity comes into service by the next tick; the load (queue, busy slots) stays the same.
        pools = pools.map((p) => {
          const desired = decision.pools.find((d) => d.name === p.name)?.desired ?? p.desired;
          return { ...p, desired, running: desired, pending: 0 };
        });
        for (const p of pools) history.get(p.name)?.push(p.desired);
      }
      for (const sizes of history.values()) {
        if (directionChanges(sizes) > 1) return false;
        const tail = sizes.slice(-20);
        if (tail.some((size) => size !== tail[0])) return false;
      }
      return true;
    }),
    { numRuns: 150 },
  );
  t.pass();
});

test('with no step rule firing the EC2 fleet never grows tick after tick, whatever its split or busy slots (no creep)', (t) => {
  const idle = inputArbitrary
    .filter((input) => input.settings.policy === 'step')
    .map((input) => ({ ...input, floors: [], queue: { ...input.queue, visible: Math.min(input.queue.visible, input.settings.stepRules[0]?.visibleAbove ?? 0) } }));
  fc.assert(
    fc.property(idle, (start) => {
      const ec2 = (pools: readonly PoolState[]) => pools.filter((p) => p.name === 'spot' || p.name === 'on-demand');
      const bound = Math.max(
        ec2(start.pools).reduce((sum, p) => sum + p.desired, 0),
        ec2(start.pools).reduce((sum, p) => sum + p.min, 0),
      );
      let pools = start.pools.map((p) => ({ ...p }));
      let memory = start.memory;
      for (let i = 1; i <= 200; i++) {
        const decision = decide({ ...start, now: start.now + i * 30_000, pools, memory });
        memory = decision.memory;
        pools = pools.map((p) => {
          const desired = decision.pools.find((d) => d.name === p.name)?.desired ?? p.desired;
          return { ...p, desired, running: desired, pending: 0 };
        });
        if (ec2(pools).reduce((sum, p) => sum + p.desired, 0) > bound) return false;
      }
      return true;
    }),
    { numRuns: 150 },
  );
  t.pass();
});

function directionChanges(sizes: readonly number[]): number {
  let changes = 0;
  let direction = 0;
  for (let i = 1; i < sizes.length; i++) {
    const step = Math.sign((sizes[i] as number) - (sizes[i - 1] as number));
    if (step === 0) continue;
    if (direction !== 0 && step !== direction) changes += 1;
    direction = step;
  }
  return changes;
}

test('the policy needs every pool it places capacity on', (t) => {
  const config = loadEnvironment('prod');
  const spotOnly = [{ ...poolShape(config, 'spot'), desired: 0, running: 0, pending: 0, busySlots: 0 }];
  t.throws(() => decide({ now: NOW, queue: { visible: 0, inFlight: 0, oldestAgeSeconds: 0 }, pools: spotOnly, floors: [], memory: EMPTY_MEMORY, settings: policySettings(config) }), {
    name: 'PoolLayoutError',
    message: /on-demand/,
  });
});
