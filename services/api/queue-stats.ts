import type { QueueDriver } from '../core/queue/contract.js';
import type { RunStore } from '../core/run/store.js';
import { fromQueue } from './queue-call.js';
import type { QueueStats } from './schemas.js';

/** GET /v1/queue's numbers, read once for the route and for the queue history's samples alike. */
export async function readQueueStats(queue: Pick<QueueDriver, 'depth'>, store: Pick<RunStore, 'oldestQueuedAgeSeconds'>): Promise<QueueStats> {
  const [depth, oldestAgeSeconds] = await Promise.all([
    fromQueue('could not read the queue depth', () => queue.depth()),
    store.oldestQueuedAgeSeconds(),
  ]);
  return {
    visible: depth.visible,
    inFlight: depth.inFlight,
    delayed: depth.delayed,
    oldestAgeSeconds,
    deadLettered: depth.deadLettered,
  };
}
