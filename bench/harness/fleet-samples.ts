import { summarize, type LatencySummary } from './stats.js';

/**
 * Pure summaries of what the fleet benchmark samples while 10,000 runs are in the system: how many
 * ran at once (the run store's `running` index, read every few hundred milliseconds), Redis's
 * command counter and memory (INFO), and each run's queue wait (startedAt − createdAt).
 */

export interface FleetSample {
  /** ms on the runner's monotonic clock. */
  atMs: number;
  /** Runs the run store lists as running. */
  running: number;
  /** Redis INFO stats total_commands_processed. */
  totalCommands: number;
  /** Redis INFO memory used_memory, bytes. */
  usedMemory: number;
}

export interface Peak {
  running: number;
  /** When the peak was first reached. */
  atMs: number;
}

export class NoSamplesError extends Error {
  override readonly name = 'NoSamplesError';
}

export function peakRunning(samples: readonly FleetSample[]): Peak {
  if (samples.length === 0) throw new NoSamplesError('peak of no samples');
  let peak: Peak = { running: -1, atMs: 0 };
  for (const sample of samples) if (sample.running > peak.running) peak = { running: sample.running, atMs: sample.atMs };
  return peak;
}

/** The samples taken while at least `threshold` runs were running: the fleet at full size. */
export function samplesAtOrAbove(samples: readonly FleetSample[], threshold: number): FleetSample[] {
  return samples.filter((sample) => sample.running >= threshold);
}

/**
 * Commands Redis processed per second between the first and the last sample: a rate over a window,
 * not INFO's instantaneous_ops_per_sec, which covers only the last ~1.6 s.
 */
export function commandsPerSecond(samples: readonly FleetSample[]): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last.atMs <= first.atMs) return undefined;
  return (last.totalCommands - first.totalCommands) / ((last.atMs - first.atMs) / 1000);
}

/** A field of Redis's INFO text as a number; NaN when absent. */
export function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:(\\S+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

export interface QueueWaitInput {
  createdAt: string;
  startedAt?: string;
}

/** startedAt − createdAt of every run that started, in ms. */
export function queueWaitsMs(runs: readonly QueueWaitInput[]): number[] {
  return runs.flatMap((run) => (run.startedAt === undefined ? [] : [Date.parse(run.startedAt) - Date.parse(run.createdAt)]));
}

/**
 * startedAt − max(createdAt, readyAtMs): how long a run waited once a worker could have taken it.
 * With workers started on a backlog, the queue wait also holds the time the fleet did not exist yet.
 */
export function dispatchWaitsMs(runs: readonly QueueWaitInput[], readyAtMs: number): number[] {
  return runs.flatMap((run) => (run.startedAt === undefined ? [] : [Date.parse(run.startedAt) - Math.max(Date.parse(run.createdAt), readyAtMs)]));
}

export function summarizeQueueWaits(runs: readonly QueueWaitInput[]): LatencySummary | undefined {
  const waits = queueWaitsMs(runs);
  return waits.length === 0 ? undefined : summarize(waits);
}
