import test from 'ava';
import { decide } from '../../services/scaler/policy/decide.js';
import type { Decision, DecisionInput } from '../../services/scaler/policy/types.js';
import { summarise } from '../../services/scaler/simulator/summary.js';
import { loadTrace } from '../../services/scaler/simulator/trace.js';
import { prod, SHORT_TRACE_FILE, simulateShort } from './helpers.js';

/**
 * The simulator must run the scaler's own policy (services/scaler/policy/decide.ts), not a copy: every
 * decision it acts on is compared with what the production `decide` answers for the same input.
 */

for (const policy of ['step', 'backlog'] as const) {
  test(`${policy}: every decision the simulation acts on is the production decide's answer for that state`, (t) => {
    const seen: { input: DecisionInput; decision: Decision }[] = [];
    simulateShort({ policy, onDecision: (input, decision) => seen.push({ input: structuredClone(input), decision: structuredClone(decision) }) });
    t.true(seen.length > 100);
    // The states are varied: queues, burst pools, cooldowns; not one idle state repeated.
    t.true(seen.some(({ decision }) => decision.changed));
    t.true(seen.some(({ input }) => input.queue.visible > 0));
    t.true(new Set(seen.map(({ decision }) => decision.policy)).has(policy));
    for (const { input, decision } of seen) t.deepEqual(decide(input), decision);
  });
}

test("the simulation's results follow the policy function it is given: a different one gives a different fleet", (t) => {
  const trace = loadTrace(SHORT_TRACE_FILE);
  const production = summarise(prod, trace, simulateShort({ policy: 'backlog' }));
  let calls = 0;
  const spied = summarise(prod, trace, simulateShort({ policy: 'backlog', decide: (input) => (calls++, decide(input)) }));
  t.true(calls > 100);
  t.deepEqual(spied, production);
  // A policy that never scales out leaves the burst queued: the engine really acts on what decide answers.
  const frozen = summarise(prod, trace, simulateShort({ policy: 'backlog', decide: (input) => ({ ...decide(input), pools: decide(input).pools.map((p) => ({ ...p, desired: p.current })) }) }));
  t.true(frozen.maxQueue > production.maxQueue);
});
