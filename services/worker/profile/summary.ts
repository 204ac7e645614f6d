import { NothingRanError } from './errors.js';

/**
 * Turning what `agentfleet profile` observed into an agent's footprint. Pure: the sampling
 * (proc-usage.ts) and the orchestration (profile-agent.ts) hand plain numbers in.
 */

export interface AttemptSpan {
  startMs: number;
  /** Absent: still running when the window closed. */
  endMs?: number;
  /** `succeeded`, `failed`, `timed_out`, ...; absent while running. */
  outcome?: string;
}

export interface MemorySample {
  /** RSS of the worker process itself. */
  workerBytes: number;
  /** Summed RSS of every descendant of the worker: command agents (and what they start), the lifeline watcher. */
  childProcessesBytes: number;
}

export interface ProfileObservation {
  agent: string;
  agentType: string;
  concurrency: number;
  /** The machine the profile ran on: its cores and its 1-minute load average at the end (every process, not just ours). */
  machine: { cores: number; loadAverage: number };
  window: { startMs: number; endMs: number };
  /** CPU time of the worker's process tree (the worker, live descendants, reaped descendants) at the window's ends. */
  cpuSeconds: { start: number; end: number };
  /** The worker's RSS after start-up, before any run. */
  idleWorkerBytes: number;
  samples: readonly MemorySample[];
  /** Every attempt of every run the profiler submitted (wall clock, ms). */
  attempts: readonly AttemptSpan[];
  /** The worker's event-loop delay over the window, beyond the monitor's own resolution. */
  eventLoopLagMs: { p50: number; p99: number };
}

/** How the suggestion is made from the measurement; part of the report so a reader can redo it. */
export interface FootprintRule {
  /** Added on top of the measured figure: 0.5 is 50 %. */
  headroom: number;
  /** vCPU rounds up to a multiple of this. */
  vcpuStep: number;
  /** Memory rounds up to a multiple of this. */
  memoryStepGiB: number;
}

export const DEFAULT_FOOTPRINT_RULE: FootprintRule = { headroom: 0.5, vcpuStep: 0.01, memoryStepGiB: 1 / 32 };

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

export interface ProfileReport {
  agent: string;
  type: string;
  concurrency: number;
  seconds: number;
  runs: { attemptsInWindow: number; succeeded: number; failed: number; stillRunning: number };
  /** Run-seconds inside the window (attempt time clipped to it) and the mean number running. */
  runSeconds: number;
  meanRunning: number;
  /**
   * perRunSecond: what a running run keeps busy, the worker's own work for it included (the footprint's
   * vCPU). msPerAttempt: CPU per attempt that finished in the window, which contention does not stretch.
   */
  cpu: { seconds: number; perRunSecond: number; msPerAttempt: number };
  memory: {
    workerIdleMiB: number;
    workerPeakMiB: number;
    childProcessesPeakMiB: number;
    /** Peak RSS of the worker and its agent processes together. */
    totalPeakMiB: number;
    /** totalPeakMiB / concurrency: a slot's share at this concurrency, the worker's fixed memory included. */
    perRunMiB: number;
    /**
     * (totalPeakMiB − workerIdleMiB) / concurrency: what a run adds to a worker. The suggested footprint
     * uses this one: a worker holds tens to hundreds of slots, so its own memory (workerIdleMiB, once per
     * worker) is a small share of each, covered by the headroom and the rounding.
     */
    marginalPerRunMiB: number;
  };
  eventLoopLagMs: { p50: number; p99: number };
  machine: { cores: number; loadAverage: number };
  suggested: { vcpu: number; memoryGiB: number; rule: FootprintRule };
  /** Reasons to distrust the figures (a saturated machine, failing runs); empty when there are none. */
  warnings: string[];
}

/**
 * Above this share of the machine's cores the agents queue for CPU, runs stretch and CPU per
 * run-second reads low: the measurement says so rather than suggest too small a footprint.
 */
export const SATURATED_CPU_SHARE = 0.7;

/** Seconds of attempt time inside [startMs, endMs]; an open attempt runs to the window's end. */
export function runSecondsWithin(attempts: readonly AttemptSpan[], window: { startMs: number; endMs: number }): number {
  let total = 0;
  for (const attempt of attempts) {
    const start = Math.max(attempt.startMs, window.startMs);
    const end = Math.min(attempt.endMs ?? window.endMs, window.endMs);
    if (end > start) total += end - start;
  }
  return total / 1000;
}

/** Rounds up to a multiple of `step`, never below one step (a footprint of 0 would promise infinite slots). */
export function roundUpTo(value: number, step: number): number {
  const steps = Math.max(1, Math.ceil(value / step - 1e-9));
  return Number((steps * step).toFixed(6));
}

export function suggestFootprint(measured: { vcpu: number; memoryGiB: number }, rule: FootprintRule = DEFAULT_FOOTPRINT_RULE): { vcpu: number; memoryGiB: number } {
  return {
    vcpu: roundUpTo(measured.vcpu * (1 + rule.headroom), rule.vcpuStep),
    memoryGiB: roundUpTo(measured.memoryGiB * (1 + rule.headroom), rule.memoryStepGiB),
  };
}

const round = (value: number, digits = 4) => Number(value.toFixed(digits));

export function summariseProfile(observation: ProfileObservation, rule: FootprintRule = DEFAULT_FOOTPRINT_RULE): ProfileReport {
  const { window, concurrency } = observation;
  const seconds = (window.endMs - window.startMs) / 1000;
  const runSeconds = runSecondsWithin(observation.attempts, window);
  const cpuSeconds = Math.max(0, observation.cpuSeconds.end - observation.cpuSeconds.start);
  const inWindow = observation.attempts.filter((a) => a.startMs < window.endMs && (a.endMs ?? window.endMs) > window.startMs);
  const outcomes = {
    succeeded: inWindow.filter((a) => a.outcome === 'succeeded').length,
    failed: inWindow.filter((a) => a.outcome !== undefined && a.outcome !== 'succeeded').length,
    stillRunning: inWindow.filter((a) => a.outcome === undefined).length,
  };
  if (runSeconds === 0) throw new NothingRanError(observation.agent, outcomes);
  const perRunSecond = cpuSeconds / runSeconds;
  const peak = (pick: (s: MemorySample) => number) => observation.samples.reduce((max, s) => Math.max(max, pick(s)), 0);
  const totalPeak = peak((s) => s.workerBytes + s.childProcessesBytes);
  const perRunBytes = totalPeak / concurrency;
  const marginalBytes = Math.max(0, totalPeak - observation.idleWorkerBytes) / concurrency;
  return {
    agent: observation.agent,
    type: observation.agentType,
    concurrency,
    seconds: round(seconds, 3),
    runs: { attemptsInWindow: inWindow.length, ...outcomes },
    runSeconds: round(runSeconds, 3),
    meanRunning: round(seconds > 0 ? runSeconds / seconds : 0, 2),
    cpu: { seconds: round(cpuSeconds, 3), perRunSecond: round(perRunSecond), msPerAttempt: round((cpuSeconds * 1000) / Math.max(1, outcomes.succeeded + outcomes.failed), 2) },
    memory: {
      workerIdleMiB: round(observation.idleWorkerBytes / MIB, 1),
      workerPeakMiB: round(peak((s) => s.workerBytes) / MIB, 1),
      childProcessesPeakMiB: round(peak((s) => s.childProcessesBytes) / MIB, 1),
      totalPeakMiB: round(totalPeak / MIB, 1),
      perRunMiB: round(perRunBytes / MIB, 2),
      marginalPerRunMiB: round(marginalBytes / MIB, 2),
    },
    eventLoopLagMs: { p50: round(observation.eventLoopLagMs.p50, 2), p99: round(observation.eventLoopLagMs.p99, 2) },
    machine: { cores: observation.machine.cores, loadAverage: round(observation.machine.loadAverage, 2) },
    suggested: { ...suggestFootprint({ vcpu: perRunSecond, memoryGiB: marginalBytes / GIB }, rule), rule },
    warnings: warningsOf(observation, outcomes, cpuSeconds / seconds),
  };
}

function warningsOf(observation: ProfileObservation, outcomes: { succeeded: number; failed: number }, coresUsed: number): string[] {
  const warnings: string[] = [];
  const { cores, loadAverage } = observation.machine;
  if (coresUsed > SATURATED_CPU_SHARE * cores) {
    warnings.push(
      `the worker's processes used ${coresUsed.toFixed(2)} of ${cores} cores: runs waited for CPU, so CPU per run-second reads low; profile again with a lower --concurrency`,
    );
  } else if (loadAverage > cores) {
    warnings.push(
      `the machine was busy (load average ${loadAverage.toFixed(1)} on ${cores} cores): runs that wait for CPU stretch, so CPU per run-second of a CPU-bound agent reads low`,
    );
  }
  const { succeeded, failed } = outcomes;
  if (failed > 0) warnings.push(`${failed} of ${succeeded + failed} attempts that finished in the window failed: the footprint is that of a failing agent`);
  return warnings;
}
