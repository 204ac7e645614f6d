import { checkGoals, describeGoal, ratioOf, type Goal, type GoalCheck } from './goals.js';
import type { MachineInfo } from './machine.js';
import { round } from './stats.js';

/**
 * The JSON written to bench/results/<name>.json (DESIGN §3): the contract fields `{name, unit, value,
 * ceiling, ratio, goal, met, p50, p95, p99, machine}` plus what a reader needs to trust the figure:
 * inputs, per-trial figures, every ceiling measured, where each process ran, and notes.
 * Latency percentiles are in milliseconds.
 */

/** Where each process of a benchmark ran, as read back from the kernel, not as asked for. */
export interface PinningReport {
  pinned: boolean;
  /** Why processes could not be kept apart, when they could not. */
  reason?: string;
  /** Role → CPU list the process was allowed on ("0", "1", "0-1"). */
  processes: Record<string, string>;
}

export interface CeilingFigure {
  value: number;
  unit: string;
  /** What it is: "bare Koa JSON echo, same pinning and load". */
  description: string;
  trials?: number[];
}

/** What a benchmark measured, before goals are judged. */
export interface Measurement {
  value: number;
  ceiling?: { name: string; value: number };
  latency?: { p50: number; p95: number; p99: number };
  /** Further named figures goals may refer to (rssMB, stalls, ...). */
  figures?: Record<string, number>;
  inputs: Record<string, unknown>;
  trials?: Record<string, unknown>[];
  ceilings?: Record<string, CeilingFigure>;
  pinning: PinningReport;
  notes?: string[];
  /** fleet-10k's fields at the top of its JSON (DESIGN §3). */
  fleet?: FleetFields;
}

export interface FleetFields {
  peakRunning: number;
  succeeded: number;
  executedTwice: number;
}

export interface BenchResult {
  name: string;
  title: string;
  unit: string;
  value?: number;
  ceiling?: number;
  ceilingName?: string;
  ratio?: number;
  goal: string;
  goals: GoalCheck[];
  met: boolean;
  p50?: number;
  p95?: number;
  p99?: number;
  peakRunning?: number;
  succeeded?: number;
  executedTwice?: number;
  figures: Record<string, number>;
  machine: MachineInfo;
  pinning?: PinningReport;
  inputs?: Record<string, unknown>;
  trials?: Record<string, unknown>[];
  ceilings?: Record<string, CeilingFigure>;
  notes: string[];
  /** Where the CPU profile summary of a missed goal was written. */
  profile?: string;
  /** Why the benchmark produced no figure. */
  error?: string;
  startedAt: string;
  durationSeconds: number;
}

export interface ResultHeader {
  name: string;
  title: string;
  unit: string;
  goals: readonly Goal[];
  machine: MachineInfo;
  startedAt: string;
  durationSeconds: number;
}

export function goalText(goals: readonly Goal[]): string {
  return goals.map(describeGoal).join(', ');
}

/** The figures goals can name: value, ratio, p50/p95/p99 and the benchmark's own. */
export function figuresOf(measurement: Measurement): Record<string, number> {
  const ratio = ratioOf(measurement.value, measurement.ceiling?.value);
  const figures: Record<string, number> = { value: measurement.value };
  if (ratio !== undefined) figures.ratio = ratio;
  if (measurement.latency) Object.assign(figures, measurement.latency);
  return { ...figures, ...measurement.figures };
}

export function resultFromMeasurement(header: ResultHeader, measurement: Measurement): BenchResult {
  const figures = roundAll(figuresOf(measurement));
  const verdict = checkGoals(header.goals, figures);
  return {
    name: header.name,
    title: header.title,
    unit: header.unit,
    value: round(measurement.value),
    ...(measurement.ceiling ? { ceiling: round(measurement.ceiling.value), ceilingName: measurement.ceiling.name } : {}),
    ...(figures.ratio !== undefined ? { ratio: figures.ratio } : {}),
    goal: goalText(header.goals),
    goals: verdict.checks,
    met: verdict.met,
    ...(measurement.latency ? roundAll(measurement.latency) : {}),
    ...measurement.fleet,
    figures,
    machine: header.machine,
    pinning: measurement.pinning,
    inputs: measurement.inputs,
    ...(measurement.trials ? { trials: measurement.trials } : {}),
    ...(measurement.ceilings ? { ceilings: measurement.ceilings } : {}),
    notes: measurement.notes ?? [],
    startedAt: header.startedAt,
    durationSeconds: round(header.durationSeconds, 1),
  };
}

/** A benchmark that could not produce its figure still gets a result, so the table says why. */
export function resultFromError(header: ResultHeader, error: unknown): BenchResult {
  const verdict = checkGoals(header.goals, {});
  return {
    name: header.name,
    title: header.title,
    unit: header.unit,
    goal: goalText(header.goals),
    goals: verdict.checks,
    met: false,
    figures: {},
    machine: header.machine,
    notes: [],
    error: error instanceof Error ? error.message : String(error),
    startedAt: header.startedAt,
    durationSeconds: round(header.durationSeconds, 1),
  };
}

function roundAll<T extends Record<string, number>>(values: T): T {
  return Object.fromEntries(Object.entries(values).map(([key, value]) => [key, round(value)])) as T;
}
