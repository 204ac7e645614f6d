/**
 * When a worker extends its messages' visibility: pure numbers, carried out by the worker's heartbeat
 * and priced by the capacity planner. A running run's message is extended every third of the
 * visibility, so one failed extension still leaves time for the next. Due extensions are gathered a
 * few times per period and sent together: a gathered message is next due one period later, on the
 * same gathering as the others gathered with it, so a worker's runs settle into a few groups and each
 * call carries many messages (SQS: up to 10 per ChangeMessageVisibilityBatch).
 */

export const EXTENSIONS_PER_VISIBILITY = 3;
export const GATHERINGS_PER_EXTENSION = 5;

export function extensionPeriodSeconds(visibilitySeconds: number): number {
  return visibilitySeconds / EXTENSIONS_PER_VISIBILITY;
}

/** A due extension waits at most this long: the gap between two extensions is at most a period plus this. */
export function gatheringSeconds(visibilitySeconds: number): number {
  return extensionPeriodSeconds(visibilitySeconds) / GATHERINGS_PER_EXTENSION;
}

/**
 * Messages per call, on average, for a worker with `busySlots` running runs: a gathering holds a
 * fifth of them, split into calls of at most `maxBatch`; a call carries at least one.
 */
export function extensionsPerCall(busySlots: number, maxBatch: number): number {
  const perGathering = busySlots / GATHERINGS_PER_EXTENSION;
  if (perGathering <= 1) return 1;
  return perGathering / Math.ceil(perGathering / maxBatch);
}
