import test from 'ava';
import fc from 'fast-check';
import { EmptySampleError, median, medianOfTrials, percentile, round, summarize } from '../../bench/harness/stats.js';

test('percentiles interpolate between the two closest ranks', (t) => {
  const values = [10, 20, 30, 40, 50];
  t.is(percentile(values, 0), 10);
  t.is(percentile(values, 50), 30);
  t.is(percentile(values, 100), 50);
  t.is(percentile(values, 25), 20);
  t.is(percentile(values, 90), 46);
  t.is(percentile([1, 2], 50), 1.5);
});

test('percentiles do not depend on the order of the samples', (t) => {
  t.is(percentile([50, 10, 40, 20, 30], 90), 46);
});

test('a percentile lies within the sample and grows with p', (t) => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (values, a, b) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      const pLow = percentile(values, low);
      const pHigh = percentile(values, high);
      return pLow >= Math.min(...values) && pHigh <= Math.max(...values) && pLow <= pHigh;
    }),
  );
  t.pass();
});

test('the median of an even sample is the mean of the middle two', (t) => {
  t.is(median([4, 1, 3, 2]), 2.5);
});

test('an empty sample has no percentile and says so', (t) => {
  t.throws(() => percentile([], 50), { instanceOf: EmptySampleError });
  t.throws(() => summarize([]), { instanceOf: EmptySampleError });
});

test('a percentile outside 0–100 is refused', (t) => {
  t.throws(() => percentile([1], 101), { instanceOf: RangeError });
  t.throws(() => percentile([1], -1), { instanceOf: RangeError });
});

test('a summary reports count, extremes, mean and p50/p95/p99', (t) => {
  const values = Array.from({ length: 101 }, (_, i) => i);
  t.deepEqual(summarize(values), { count: 101, min: 0, mean: 50, p50: 50, p95: 95, p99: 99, max: 100 });
});

test('the median of trials ignores one outlier in each field', (t) => {
  const trials = [
    { rps: 6000, p99: 12 },
    { rps: 100, p99: 11 },
    { rps: 6100, p99: 900 },
  ];
  t.deepEqual(medianOfTrials(trials, ['rps', 'p99']), { rps: 6000, p99: 12 });
  t.throws(() => medianOfTrials([], ['rps']), { instanceOf: EmptySampleError });
});

test('rounding keeps three decimals for small figures and whole numbers for large ones', (t) => {
  t.is(round(0.41234), 0.412);
  t.is(round(12.34567), 12.346);
  t.is(round(123.456), 123.5);
  t.is(round(6123.7), 6124);
  t.is(round(Number.POSITIVE_INFINITY), Number.POSITIVE_INFINITY);
});
