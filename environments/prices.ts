import type { GravitonType } from './catalog.js';
import type { Price, PricingInput } from './pricing.js';

/**
 * us-east-1 prices, the one place they are written. Each figure says where it came from:
 * `brief` (the user's architecture brief), `FACTS.md` (collected from public price tables, see its
 * tags), or `inferred: …` (our arithmetic from the others). Confirm with the AWS Pricing API before a
 * real purchase; Spot prices move hourly and Fargate Spot has no list price at all.
 */

const COLLECTED = '2026-12';

const BRIEF_SPOT = 'architecture-brief.md, "Instance Type Selection" table (Spot Price column)';
const FACTS_ON_DEMAND = 'FACTS.md "Prices, us-east-1 Linux" [blog: two independent price tables agree]';

function price(value: number, source: string): Price {
  return { value, source, date: COLLECTED };
}

/** Graviton prices are linear in size within a family, so a missing size is the listed one scaled. */
function scaled(value: number, from: string, factor: number): Price {
  return price(value, `inferred: ${from} × ${factor} (Graviton prices are linear in size within a family)`);
}

export const US_EAST_1_INSTANCE_PRICES = {
  'c6g.large': { spotHourlyUsd: scaled(0.017, 'brief c6g.xlarge Spot $0.034', 0.5), onDemandHourlyUsd: scaled(0.068, 'c6g.xlarge On-Demand $0.136', 0.5) },
  'c6g.xlarge': { spotHourlyUsd: price(0.034, BRIEF_SPOT), onDemandHourlyUsd: price(0.136, FACTS_ON_DEMAND) },
  'c6g.2xlarge': { spotHourlyUsd: price(0.068, BRIEF_SPOT), onDemandHourlyUsd: price(0.272, FACTS_ON_DEMAND) },
  'c6g.4xlarge': { spotHourlyUsd: scaled(0.136, 'brief c6g.2xlarge Spot $0.068', 2), onDemandHourlyUsd: price(0.544, FACTS_ON_DEMAND) },
  'm6g.large': { spotHourlyUsd: scaled(0.019, 'brief m6g.xlarge Spot $0.038', 0.5), onDemandHourlyUsd: scaled(0.077, 'm6g.xlarge On-Demand $0.154', 0.5) },
  'm6g.xlarge': { spotHourlyUsd: price(0.038, BRIEF_SPOT), onDemandHourlyUsd: price(0.154, FACTS_ON_DEMAND) },
  'm6g.2xlarge': { spotHourlyUsd: price(0.077, BRIEF_SPOT), onDemandHourlyUsd: price(0.308, FACTS_ON_DEMAND) },
  'm6g.4xlarge': { spotHourlyUsd: scaled(0.154, 'brief m6g.2xlarge Spot $0.077', 2), onDemandHourlyUsd: price(0.616, FACTS_ON_DEMAND) },
  'r6g.large': { spotHourlyUsd: scaled(0.025, 'brief r6g.xlarge Spot $0.050', 0.5), onDemandHourlyUsd: price(0.1008, FACTS_ON_DEMAND) },
  'r6g.xlarge': { spotHourlyUsd: price(0.05, BRIEF_SPOT), onDemandHourlyUsd: price(0.2016, FACTS_ON_DEMAND) },
  'r6g.2xlarge': { spotHourlyUsd: scaled(0.1, 'brief r6g.xlarge Spot $0.050', 2), onDemandHourlyUsd: price(0.4032, FACTS_ON_DEMAND) },
} satisfies Record<GravitonType, { spotHourlyUsd: Price; onDemandHourlyUsd: Price }>;

const FACTS_FARGATE = 'FACTS.md "Prices, us-east-1 Linux": Fargate per vCPU-hour and GB-hour [blog]';
/** AWS publishes no Fargate Spot list price, only "up to 70 % off"; the model takes that figure. */
const FARGATE_SPOT_SHARE = 0.3;

function fargateSpot(onDemand: number, name: string): Price {
  return price(Number((onDemand * FARGATE_SPOT_SHARE).toPrecision(6)), `inferred: ${name} $${onDemand} × 0.3 (FACTS.md: Fargate Spot "up to 70 %" off [AWS], varies)`);
}

export const US_EAST_1_PRICING: PricingInput = {
  instances: US_EAST_1_INSTANCE_PRICES,
  fargate: {
    x86_64: {
      onDemand: { vcpuHourUsd: price(0.04048, FACTS_FARGATE), gbHourUsd: price(0.004445, FACTS_FARGATE) },
      spot: { vcpuHourUsd: fargateSpot(0.04048, 'x86 vCPU-hour'), gbHourUsd: fargateSpot(0.004445, 'x86 GB-hour') },
    },
    arm64: {
      onDemand: { vcpuHourUsd: price(0.03238, FACTS_FARGATE), gbHourUsd: price(0.00356, FACTS_FARGATE) },
      spot: { vcpuHourUsd: fargateSpot(0.03238, 'ARM vCPU-hour'), gbHourUsd: fargateSpot(0.00356, 'ARM GB-hour') },
    },
  },
  savingsPlan: {
    // The brief says "30-40% off"; the published typical rates are below that for 1 year.
    oneYearDiscount: price(0.27, 'FACTS.md: Compute Savings Plan typical ~27 % (1-year, no upfront) [blog]; the brief says 30-40 %'),
    threeYearDiscount: price(0.52, 'FACTS.md: Compute Savings Plan typical ~52 % (3-year) [blog]'),
  },
  sqs: {
    perMillionRequestsUsd: price(0.4, 'FACTS.md "Queue": $0.40 per million requests, standard queue [AWS]'),
    freeRequestsPerMonth: price(1_000_000, 'FACTS.md "Queue": first million requests per month free [AWS]'),
    chunkKiB: price(64, 'FACTS.md "Queue": every 64 KB of payload is a request [AWS]'),
    maxBatchEntries: price(10, 'FACTS.md "Queue": a batch call of up to 10 entries is one request [AWS]'),
  },
};
