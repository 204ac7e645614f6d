import type { BenchBuild } from './build.js';
import type { Goal } from './goals.js';
import type { CpuPlan } from './pinning.js';
import type { Measurement } from './result.js';

/**
 * One benchmark of `make bench`: a name (the results file), the goal of issue 5, and a `run` that
 * starts what it needs, measures, and stops it all again.
 */
export interface Benchmark {
  name: string;
  title: string;
  unit: string;
  goals: Goal[];
  run(context: BenchContext): Promise<BenchOutcome>;
}

export interface BenchOutcome {
  measurement: Measurement;
  /** Markdown summary of a CPU profile taken because a goal was missed. */
  profile?: string;
}

/** How long to measure: every benchmark warms up, then repeats trials and keeps the median. */
export interface Timing {
  warmupSeconds: number;
  trialSeconds: number;
  trials: number;
}

export interface BenchContext {
  root: string;
  /** The compiled services and bench processes every measured process runs. */
  build: BenchBuild;
  plan: CpuPlan;
  resultsDir: string;
  logDir: string;
  timing: Timing;
  /** `--quick`: a smoke run of the harness; benchmarks too long for trials shrink their load. */
  quick: boolean;
  /** `--burst`: fleet-10k queues every run before its workers start. */
  burst: boolean;
  /** True when a measurement would miss the goal (so a profile is worth taking before tearing down). */
  missesGoal(measurement: Measurement): boolean;
  /** One progress line on stderr. */
  progress(message: string): void;
}
