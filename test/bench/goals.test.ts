import test from 'ava';
import { checkGoals, describeGoal, formatNumber, ratioOf, type Goal } from '../../bench/harness/goals.js';

const apiIngest: Goal[] = [
  { figure: 'value', op: '>=', target: 6000, label: 'runs/s' },
  { figure: 'p99', op: '<=', target: 30, unit: 'ms' },
  { figure: 'ratio', op: '>=', target: 0.38 },
];

test('a benchmark meets its goal only when every threshold holds', (t) => {
  t.true(checkGoals(apiIngest, { value: 6500, p99: 12, ratio: 0.4 }).met);
  const verdict = checkGoals(apiIngest, { value: 6500, p99: 31, ratio: 0.4 });
  t.false(verdict.met);
  t.deepEqual(
    verdict.checks.map((check) => check.met),
    [true, false, true],
  );
});

test('a threshold equal to the target is met, for either direction', (t) => {
  t.true(checkGoals([{ figure: 'ratio', op: '>=', target: 0.7 }], { ratio: 0.7 }).met);
  t.true(checkGoals([{ figure: 'p50', op: '<=', target: 4 }], { p50: 4 }).met);
});

test('a figure that was not measured never counts as met', (t) => {
  const verdict = checkGoals(apiIngest, { value: 6500, p99: 12 });
  t.false(verdict.met);
  t.false(verdict.checks[2]?.met);
  t.is(verdict.checks[2]?.actual, undefined);
  t.false(checkGoals([{ figure: 'p99', op: '<=', target: 1 }], { p99: Number.NaN }).met);
});

test('a benchmark without goals does not claim to meet one', (t) => {
  t.false(checkGoals([], { value: 1 }).met);
});

test('goals read as the issue writes them', (t) => {
  t.is(describeGoal({ figure: 'value', op: '>=', target: 6000, label: 'runs/s' }), 'runs/s ≥ 6,000');
  t.is(describeGoal({ figure: 'p99', op: '<=', target: 30, unit: 'ms' }), 'p99 ≤ 30 ms');
  t.is(describeGoal({ figure: 'ratio', op: '>=', target: 0.38 }), 'ratio ≥ 0.38');
});

test('a ratio needs a positive, finite ceiling', (t) => {
  t.is(ratioOf(3000, 10000), 0.3);
  t.is(ratioOf(3000, 0), undefined);
  t.is(ratioOf(3000, undefined), undefined);
  t.is(ratioOf(Number.NaN, 10), undefined);
});

test('numbers are formatted with separators and few decimals', (t) => {
  t.is(formatNumber(6123.4), '6,123');
  t.is(formatNumber(123.45), '123.5');
  t.is(formatNumber(12.345), '12.35');
  t.is(formatNumber(0.41234), '0.412');
  t.is(formatNumber(0), '0');
});
