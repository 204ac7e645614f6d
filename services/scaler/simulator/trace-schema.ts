import { z } from 'zod';

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
