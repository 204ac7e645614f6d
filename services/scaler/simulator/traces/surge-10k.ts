import type { TraceInput } from '../trace-schema.js';

const MINUTE = 60;

/**
 * The brief's surge plan (10k+ concurrent): from a normal afternoon of 1,500 runs the load ramps to
 * 10,000 concurrent runs over 30 minutes, holds for an hour, and falls back over 30 minutes.
 */
export const surge10k: TraceInput = {
  name: 'surge-10k',
  description: 'a ramp from 1,500 to 10,000 concurrent runs over 30 minutes, held for an hour',
  start: '2026-03-04T14:00:00Z',
  durationSeconds: 210 * MINUTE,
  concurrency: [
    [0, 1500],
    [30 * MINUTE, 1500],
    [60 * MINUTE, 10000],
    [120 * MINUTE, 10000],
    [150 * MINUTE, 1500],
    [210 * MINUTE, 1500],
  ],
  runSeconds: { distribution: 'log-normal', medianSeconds: 240, p95Seconds: 1200 },
  conditions: { spotInterruptionsPerMonth: 0.1 },
};
