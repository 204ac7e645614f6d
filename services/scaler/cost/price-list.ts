import type { Price, Pricing } from '../../../environments/index.js';

/** Every price of the config as one flat list, each with its unit, source and date, for the planner to print. */
export interface PriceLine extends Price {
  name: string;
  unit: string;
}

export function priceList(pricing: Pricing): PriceLine[] {
  const lines: PriceLine[] = [];
  const add = (name: string, unit: string, price: Price) => lines.push({ name, unit, ...price });
  for (const [type, price] of Object.entries(pricing.instances)) {
    add(`${type} Spot`, '$/hour', price.spotHourlyUsd);
    add(`${type} On-Demand`, '$/hour', price.onDemandHourlyUsd);
  }
  for (const [architecture, rates] of Object.entries(pricing.fargate)) {
    for (const [market, rate] of Object.entries(rates)) {
      const label = `Fargate${market === 'spot' ? ' Spot' : ''} ${architecture}`;
      add(`${label} vCPU`, '$/vCPU-hour', rate.vcpuHourUsd);
      add(`${label} memory`, '$/GB-hour', rate.gbHourUsd);
    }
  }
  add('Compute Savings Plan, 1-year', 'share off On-Demand', pricing.savingsPlan.oneYearDiscount);
  add('Compute Savings Plan, 3-year', 'share off On-Demand', pricing.savingsPlan.threeYearDiscount);
  add('SQS requests', '$/million', pricing.sqs.perMillionRequestsUsd);
  add('SQS free requests', 'requests/month', pricing.sqs.freeRequestsPerMonth);
  add('SQS payload chunk', 'KiB/request', pricing.sqs.chunkKiB);
  add('SQS batch', 'entries/request', pricing.sqs.maxBatchEntries);
  return lines;
}
