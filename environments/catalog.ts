/**
 * Facts about AWS that the environment files size and price against: instance shapes (fixed by AWS)
 * and us-east-1 Linux prices. Spot prices marked `brief` are the brief's table; the other Spot prices
 * scale the brief's price for the same family linearly with size (Spot prices move; the cost model
 * uses them as estimates). On-Demand and Fargate prices are AWS's published us-east-1 list prices.
 */

export interface InstanceShape {
  vcpu: number;
  memoryGiB: number;
}

export interface InstancePrice {
  spotHourlyUsd: number;
  onDemandHourlyUsd: number;
}

/** Graviton (arm64) general, compute and memory families the worker pools draw from. */
export const GRAVITON_SHAPES = {
  'c6g.large': { vcpu: 2, memoryGiB: 4 },
  'c6g.xlarge': { vcpu: 4, memoryGiB: 8 },
  'c6g.2xlarge': { vcpu: 8, memoryGiB: 16 },
  'c6g.4xlarge': { vcpu: 16, memoryGiB: 32 },
  'm6g.large': { vcpu: 2, memoryGiB: 8 },
  'm6g.xlarge': { vcpu: 4, memoryGiB: 16 },
  'm6g.2xlarge': { vcpu: 8, memoryGiB: 32 },
  'm6g.4xlarge': { vcpu: 16, memoryGiB: 64 },
  'r6g.large': { vcpu: 2, memoryGiB: 16 },
  'r6g.xlarge': { vcpu: 4, memoryGiB: 32 },
  'r6g.2xlarge': { vcpu: 8, memoryGiB: 64 },
} as const satisfies Record<string, InstanceShape>;

export type GravitonType = keyof typeof GRAVITON_SHAPES;

export const US_EAST_1_INSTANCE_PRICES = {
  'c6g.large': { spotHourlyUsd: 0.017, onDemandHourlyUsd: 0.068 },
  'c6g.xlarge': { spotHourlyUsd: 0.034 /* brief */, onDemandHourlyUsd: 0.136 },
  'c6g.2xlarge': { spotHourlyUsd: 0.068 /* brief */, onDemandHourlyUsd: 0.272 },
  'c6g.4xlarge': { spotHourlyUsd: 0.136, onDemandHourlyUsd: 0.544 },
  'm6g.large': { spotHourlyUsd: 0.019, onDemandHourlyUsd: 0.077 },
  'm6g.xlarge': { spotHourlyUsd: 0.038 /* brief */, onDemandHourlyUsd: 0.154 },
  'm6g.2xlarge': { spotHourlyUsd: 0.077 /* brief */, onDemandHourlyUsd: 0.308 },
  'm6g.4xlarge': { spotHourlyUsd: 0.154, onDemandHourlyUsd: 0.616 },
  'r6g.large': { spotHourlyUsd: 0.025, onDemandHourlyUsd: 0.1008 },
  'r6g.xlarge': { spotHourlyUsd: 0.05 /* brief */, onDemandHourlyUsd: 0.2016 },
  'r6g.2xlarge': { spotHourlyUsd: 0.1, onDemandHourlyUsd: 0.4032 },
} as const satisfies Record<GravitonType, InstancePrice>;

/**
 * Fargate Linux/x86_64 in us-east-1. Fargate Spot has no fixed list price; AWS advertises up to 70 %
 * off, which is what the Spot rate here assumes.
 */
export const US_EAST_1_FARGATE_PRICES = {
  onDemand: { vcpuHourUsd: 0.04048, gbHourUsd: 0.004445 },
  spot: { vcpuHourUsd: 0.012144, gbHourUsd: 0.0013335 },
} as const;
