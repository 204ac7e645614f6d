import { readFileSync } from 'node:fs';
import { traceSchema, type Trace, type TraceInput } from './trace-schema.js';
import { spike } from './traces/spike.js';
import { surge10k } from './traces/surge-10k.js';
import { weekday } from './traces/weekday.js';

export type { Trace, TraceInput };

export const BUILT_IN_TRACES: Readonly<Record<string, TraceInput>> = { weekday, 'surge-10k': surge10k, spike };

export class TraceError extends Error {
  override readonly name = 'TraceError';
}

export function parseTrace(input: unknown, source: string): Trace {
  const parsed = traceSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new TraceError(`invalid trace ${source}: ${issues.join('; ')}`);
}

/** A built-in trace by name, or a JSON trace file by path. */
export function loadTrace(nameOrFile: string): Trace {
  const builtIn = BUILT_IN_TRACES[nameOrFile];
  if (builtIn) return parseTrace(builtIn, `"${nameOrFile}"`);
  let text: string;
  try {
    text = readFileSync(nameOrFile, 'utf8');
  } catch {
    throw new TraceError(`no built-in trace "${nameOrFile}" (${Object.keys(BUILT_IN_TRACES).join(', ')}) and no readable file of that name`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TraceError(`trace file ${nameOrFile} is not JSON: ${(error as Error).message}`);
  }
  return parseTrace(json, nameOrFile);
}

/** σ of the log-normal whose median and 95th percentile are given (z₀.₉₅ = 1.6449). */
export function runSecondsSigma(trace: Trace): number {
  return Math.log(trace.runSeconds.p95Seconds / trace.runSeconds.medianSeconds) / 1.6449;
}

/** Per-second hazard of a Spot notice for one machine. */
export function spotHazardPerSecond(trace: Trace): number {
  const { spotMeanLifetimeHours, spotInterruptionsPerMonth } = trace.conditions;
  if (spotMeanLifetimeHours !== undefined) return 1 / (spotMeanLifetimeHours * 3600);
  return -Math.log(1 - spotInterruptionsPerMonth) / (30 * 86_400);
}

export function meanRunSeconds(trace: Trace): number {
  const sigma = runSecondsSigma(trace);
  return trace.runSeconds.medianSeconds * Math.exp((sigma * sigma) / 2);
}

/** Concurrency the trace asks for at `seconds` from its start (before it: the first point; after: the last). */
export function concurrencyAt(trace: Trace, seconds: number): number {
  const points = trace.concurrency;
  let before = points[0] as [number, number];
  for (const current of points) {
    if (current[0] > seconds) {
      const span = current[0] - before[0];
      return span === 0 ? current[1] : before[1] + ((current[1] - before[1]) * (seconds - before[0])) / span;
    }
    before = current;
  }
  return before[1];
}
