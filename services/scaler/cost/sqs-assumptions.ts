import type { EnvironmentConfig } from '../../../environments/index.js';
import { extensionPeriodSeconds, extensionsPerCall } from '../../core/queue/extension-schedule.js';
import { slotsPerUnit } from './pool-cost.js';
import type { SqsUsage } from './sqs-cost.js';

/**
 * What the planner assumes about SQS traffic when it prices a month of `concurrency` runs. The brief
 * gives no run duration; five minutes is our assumption, printed with the result. The rest follows
 * the worker: one SendMessage, one ReceiveMessage and one DeleteMessage per run (batching happens only
 * under load, so this is the dear end), and a visibility extension per running run every third of
 * the visibility the environment's workers receive with (`worker.heartbeat.visibilitySeconds`, which
 * the stacks pass as VISIBILITY_SECONDS), gathered into ChangeMessageVisibilityBatch calls as the heartbeat does
 * (services/core/queue/extension-schedule.ts): how full a call is depends on a worker's slots, so
 * each pool's workers count with their own, full.
 */
export const MEAN_RUN_SECONDS = 300;
export const MESSAGE_KIB = 4;

/** A pool's share of the slots and the slots of one of its workers (an instance or a task). */
export interface WorkerSlots {
  slots: number;
  slotsPerUnit: number;
}

/** `pools`: the workers the runs are on; without them (or slots), a full worker of the spot pool's nominal type. */
export function sqsAssumptions(config: EnvironmentConfig, pools: readonly WorkerSlots[] = []): Omit<SqsUsage, 'concurrency'> {
  return {
    meanRunSeconds: MEAN_RUN_SECONDS,
    heartbeatSeconds: extensionPeriodSeconds(config.worker.heartbeat.visibilitySeconds),
    heartbeatBatch: heartbeatBatch(config, pools),
    sendBatch: 1,
    receiveBatch: 1,
    deleteBatch: 1,
    messageKiB: MESSAGE_KIB,
  };
}

export function sqsUsageFor(config: EnvironmentConfig, concurrency: number, pools: readonly WorkerSlots[] = []): SqsUsage {
  return { ...sqsAssumptions(config, pools), concurrency };
}

/** Messages per extension call over all the pools' slots: calls add up per pool, so the slots weigh each pool's calls. */
function heartbeatBatch(config: EnvironmentConfig, pools: readonly WorkerSlots[]): number {
  const maxBatch = config.pricing.sqs.maxBatchEntries.value;
  const filled = pools.filter((pool) => pool.slots > 0);
  if (filled.length === 0) return extensionsPerCall(slotsPerUnit(config, 'spot'), maxBatch);
  const slots = filled.reduce((sum, pool) => sum + pool.slots, 0);
  const calls = filled.reduce((sum, pool) => sum + pool.slots / extensionsPerCall(pool.slotsPerUnit, maxBatch), 0);
  return slots / calls;
}
