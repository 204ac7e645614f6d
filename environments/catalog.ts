/** Instance shapes the environment files size against (fixed by AWS). Prices are in prices.ts. */

export interface InstanceShape {
  vcpu: number;
  memoryGiB: number;
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
