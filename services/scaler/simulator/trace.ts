import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { spike } from './traces/spike.js';
import { surge10k } from './traces/surge-10k.js';
import { weekday } from './traces/weekday.js';

/**
 * An arrival trace: the load a simulation replays. A trace states the concurrency the load would hold
 * if capacity were unlimited (piecewise linear over time, so a ramp is two points and a sudden burst is
 * two points at the same time), the run-duration distribution, and the conditions of the day (how
 * often Spot reclaims, how many Fargate Spot tasks AWS can place). Arrivals are Poisson with rate
 * concurrency ÷ mean run duration (Little's law), drawn from the simulation's seed.
 *
 * The built-in traces are TypeScript data files under traces/; `--trace FILE` reads the same shape
 * from JSON.
 */

const point = z.tuple([z.number().min(0), z.number().min(0)]);

export const traceSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and -'),
    description: z.string().min(1),
    /** When the trace starts (UTC): pre-warm schedules fire by the clock. */
    start: z.iso.datetime(),
    durationSeconds: z.number().int().positive(),
    /** [seconds from start, concurrent runs] points, times ascending (equal times make a step). */
    concurrency: z.array(point).min(1),
    /** Run durations: log-normal, given by its median and 95th percentile. */
    runSeconds: z
      .object({ distribution: z.literal('log-normal'), medianSeconds: z.number().positive(), p95Seconds: z.number().positive() })
      .refine((d) => d.p95Seconds > d.medianSeconds, { message: 'p95Seconds must exceed medianSeconds', path: ['p95Seconds'] }),
    conditions: z
      .object({
        /**
         * Share of Spot capacity (EC2 and Fargate) reclaimed per month: the Spot Instance Advisor's
         * interruption band (FACTS.md: < 5 %, 5–10 %, ...). Each Spot machine is reclaimed at the
         * constant hazard that gives this share over 30 days.
         */
        spotInterruptionsPerMonth: z.number().min(0).lt(1).default(0.1),
        /** A harsher market than the bands describe: the mean time a Spot machine runs before its notice. */
        spotMeanLifetimeHours: z.number().positive().optional(),
        /** Fargate Spot tasks AWS can place at once (absent: as many as asked): the rest stay pending. */
        fargateSpotTasksAvailable: z.number().int().nonnegative().optional(),
      })
      .default({ spotInterruptionsPerMonth: 0.1 }),
  })
  .superRefine((trace, ctx) => {
    trace.concurrency.forEach(([at], i) => {
      const previous = trace.concurrency[i - 1];
      if (previous && at < previous[0]) ctx.addIssue({ code: 'custom', path: ['concurrency', i, 0], message: 'times must not go back' });
    });
    if (trace.concurrency[0]?.[0] !== 0) ctx.addIssue({ code: 'custom', path: ['concurrency', 0, 0], message: 'the first point must be at 0 s' });
  });

export type TraceInput = z.input<typeof traceSchema>;
export type Trace = z.output<typeof traceSchema>;

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
