import { z } from 'zod';

/**
 * The shape of an environment's prices. Every figure carries where it came from and when, so the
 * planner can print both and a reader can tell a published list price from the brief's estimate or
 * our own arithmetic. Units are in the field names.
 */

/** Year-month (`2026-12`) or a full date: when the figure was collected. */
const collected = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'a date: YYYY-MM or YYYY-MM-DD');

export function priced<T extends z.ZodTypeAny>(value: T) {
  return z.object({
    value,
    /** Who says so: a document, a page, or `inferred: …` with the arithmetic. */
    source: z.string().min(1),
    date: collected,
  });
}

const usd = z.number().nonnegative();
const fraction = z.number().min(0).max(1);
const positiveInt = z.number().int().positive();

export const priceSchema = priced(usd);
export type Price = z.infer<typeof priceSchema>;

const fargateRate = z.object({ vcpuHourUsd: priceSchema, gbHourUsd: priceSchema });
export type FargateRate = z.infer<typeof fargateRate>;

const fargateArchitecture = z.object({ onDemand: fargateRate, spot: fargateRate });

export const pricingSchema = z.object({
  /** Hourly price per EC2 instance type (Linux, the environment's region). */
  instances: z.record(z.string(), z.object({ spotHourlyUsd: priceSchema, onDemandHourlyUsd: priceSchema })),
  fargate: z.object({ x86_64: fargateArchitecture, arm64: fargateArchitecture }),
  /** Compute Savings Plans: the share off On-Demand (EC2 and Fargate) for a committed $/hour. */
  savingsPlan: z.object({ oneYearDiscount: priced(fraction), threeYearDiscount: priced(fraction) }),
  /** SQS standard queue requests. */
  sqs: z.object({
    perMillionRequestsUsd: priceSchema,
    freeRequestsPerMonth: priced(z.number().int().nonnegative()),
    /** Every this many KiB of payload counts as one more request. */
    chunkKiB: priced(positiveInt),
    /** A batch call of up to this many entries is one request. */
    maxBatchEntries: priced(positiveInt),
  }),
});
export type Pricing = z.infer<typeof pricingSchema>;
export type PricingInput = z.input<typeof pricingSchema>;
