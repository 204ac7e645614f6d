import type { Pricing } from '../../../environments/index.js';
import { HOURS_PER_MONTH } from './pool-cost.js';

/**
 * SQS request cost of keeping `concurrency` runs going all month. The assumptions are explicit
 * because they are the whole answer: how long a run takes (runs per month), how often a running
 * run's visibility is extended, and how many messages each kind of call carries.
 */

export interface SqsUsage {
  /** Runs in progress at any moment, all month. */
  concurrency: number;
  /** Mean run duration: runs/month = concurrency × month / this. */
  meanRunSeconds: number;
  /** A running run's message has its visibility extended this often (the worker: VISIBILITY_SECONDS / 3). */
  heartbeatSeconds: number;
  /** Messages per visibility-extension call, on average (the worker gathers them: extension-schedule.ts). */
  heartbeatBatch: number;
  /** Messages per SendMessage(Batch), ReceiveMessage and DeleteMessage(Batch) call. */
  sendBatch: number;
  receiveBatch: number;
  deleteBatch: number;
  /** Size of one message; each started chunk of `pricing.sqs.chunkKiB` is one more request. */
  messageKiB: number;
}

export interface SqsMonthlyCost {
  runsPerMonth: number;
  requests: { send: number; receive: number; heartbeat: number; delete: number; total: number };
  billableRequests: number;
  monthlyCostUsd: number;
}

const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;

export function sqsRequestsMonthly(pricing: Pricing, usage: SqsUsage): SqsMonthlyCost {
  const { sqs } = pricing;
  const batch = (size: number) => Math.max(1, Math.min(size, sqs.maxBatchEntries.value));
  const chunks = Math.max(1, Math.ceil(usage.messageKiB / sqs.chunkKiB.value));
  const runsPerMonth = (usage.concurrency * SECONDS_PER_MONTH) / usage.meanRunSeconds;
  // Payload chunks count on calls that carry the body (send, receive); the others carry receipt handles.
  const send = (runsPerMonth / batch(usage.sendBatch)) * chunks;
  const receive = (runsPerMonth / batch(usage.receiveBatch)) * chunks;
  const heartbeat = (usage.concurrency * (SECONDS_PER_MONTH / usage.heartbeatSeconds)) / batch(usage.heartbeatBatch);
  const remove = runsPerMonth / batch(usage.deleteBatch);
  const total = send + receive + heartbeat + remove;
  const billableRequests = Math.max(0, total - sqs.freeRequestsPerMonth.value);
  return {
    runsPerMonth,
    requests: { send, receive, heartbeat, delete: remove, total },
    billableRequests,
    monthlyCostUsd: (billableRequests / 1_000_000) * sqs.perMillionRequestsUsd.value,
  };
}

/** $ per month of SQS requests for `usage`. */
export function sqsRequestsMonthlyUsd(pricing: Pricing, usage: SqsUsage): number {
  return sqsRequestsMonthly(pricing, usage).monthlyCostUsd;
}
