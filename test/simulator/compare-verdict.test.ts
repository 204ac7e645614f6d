import test from 'ava';
import { betterPolicy, P95_GOAL_SECONDS } from '../../services/scaler/simulator/compare.js';
import type { SimulationSummary } from '../../services/scaler/simulator/summary.js';

const result = (policy: 'step' | 'backlog', p95: number, costUsd: number) => ({ policy, costUsd, wait: { p50: 0, p95, p99: p95 } }) as SimulationSummary;

test('the policy that meets the p95 goal wins, however much it costs', (t) => {
  t.is(betterPolicy(result('step', P95_GOAL_SECONDS + 1, 10), result('backlog', P95_GOAL_SECONDS, 100)), 'backlog');
  t.is(betterPolicy(result('step', 30, 100), result('backlog', 500, 10)), 'step');
});

test('of two that meet it, the one more than 2 % cheaper wins; within 2 % the shorter wait wins', (t) => {
  t.is(betterPolicy(result('step', 60, 100), result('backlog', 10, 103)), 'step');
  t.is(betterPolicy(result('step', 60, 100), result('backlog', 10, 101.5)), 'backlog');
});

test('of two that miss it, the shorter wait wins', (t) => {
  t.is(betterPolicy(result('step', 900, 10), result('backlog', 600, 50)), 'backlog');
});
