/**
 * Order statistics for benchmark samples. Percentiles interpolate linearly between the two closest
 * ranks (the method spreadsheets and numpy use by default), so small samples give stable figures.
 */

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class EmptySampleError extends Error {
  override readonly name = 'EmptySampleError';
}

/** The `p`-th percentile (0–100) of values already sorted ascending. */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) throw new EmptySampleError(`percentile ${p} of an empty sample`);
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0 and 100, got ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.ceil(rank);
  const low = sorted[below] as number;
  const high = sorted[above] as number;
  return low + (high - low) * (rank - below);
}

function sortedCopy(values: ArrayLike<number>): Float64Array {
  return Float64Array.from(values).sort();
}

export function percentile(values: ArrayLike<number>, p: number): number {
  return percentileOfSorted(sortedCopy(values), p);
}

export function median(values: ArrayLike<number>): number {
  return percentile(values, 50);
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = sortedCopy(values);
  if (sorted.length === 0) throw new EmptySampleError('summary of an empty sample');
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    min: sorted[0] as number,
    mean: sum / sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * The median of each field over repeated trials: a trial is one noisy draw, the median of three
 * ignores one outlier in either direction.
 */
export function medianOfTrials<K extends string>(trials: readonly Record<K, number>[], keys: readonly K[]): Record<K, number> {
  if (trials.length === 0) throw new EmptySampleError('median of zero trials');
  return Object.fromEntries(keys.map((key) => [key, median(trials.map((trial) => trial[key]))])) as Record<K, number>;
}

/** Rounds for display and JSON: enough digits to compare runs, no float noise. */
export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : digits;
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
