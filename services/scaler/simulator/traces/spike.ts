import type { TraceInput } from '../trace-schema.js';

const MINUTE = 60;

/**
 * A sudden 20× burst: a quiet night at 500 concurrent runs, then within 30 seconds the arrival rate
 * jumps twentyfold (a batch job, a launch) for 20 minutes. Fargate Spot is short that night and can
 * place only 50 tasks, so the scaler's move of burst capacity to On-Demand shows up.
 */
export const spike: TraceInput = {
  name: 'spike',
  description: 'a sudden 20× burst: 500 → 10,000 concurrent runs within 30 s, for 20 minutes',
  start: '2026-03-05T04:00:00Z',
  durationSeconds: 120 * MINUTE,
  concurrency: [
    [0, 500],
    [30 * MINUTE, 500],
    [30 * MINUTE + 30, 10000],
    [50 * MINUTE, 10000],
    [50 * MINUTE + 30, 500],
    [120 * MINUTE, 500],
  ],
  runSeconds: { distribution: 'log-normal', medianSeconds: 240, p95Seconds: 1200 },
  conditions: { spotInterruptionsPerMonth: 0.15, fargateSpotTasksAvailable: 50 },
};
