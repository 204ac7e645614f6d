import type { TraceInput } from '../trace-schema.js';

const HOUR = 3600;

/**
 * The brief's normal load (its baseline plan: 1–2k concurrent) over one Wednesday, with the morning
 * peak its pre-warm schedule is for: 13:00 UTC is 6 AM Pacific. Quiet overnight, a ramp from 11:00 to
 * a 2,000-run peak at 13:30–15:00, a long afternoon, the US evening tail to midnight.
 */
export const weekday: TraceInput = {
  name: 'weekday',
  description: 'a normal weekday: 1,000–2,000 concurrent runs, peak around 13:00 UTC',
  start: '2026-03-04T00:00:00Z',
  durationSeconds: 24 * HOUR,
  concurrency: [
    [0, 1200],
    [3 * HOUR, 1000],
    [11 * HOUR, 1000],
    [13 * HOUR, 1800],
    [13.5 * HOUR, 2000],
    [15 * HOUR, 2000],
    [17 * HOUR, 1700],
    [22 * HOUR, 1500],
    [24 * HOUR, 1200],
  ],
  // Agents wait on model APIs: minutes per run, with a long tail.
  runSeconds: { distribution: 'log-normal', medianSeconds: 240, p95Seconds: 1200 },
  conditions: { spotInterruptionsPerMonth: 0.1 },
};
