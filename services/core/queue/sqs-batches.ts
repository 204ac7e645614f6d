import { bodyBytes, MAX_BODY_BYTES } from './limits.js';

/** SendMessageBatch limits: at most 10 entries, and their bodies together within the message size limit. */
export const MAX_BATCH_ENTRIES = 10;

/**
 * Splits bodies into SendMessageBatch calls, in order, each within both limits. Every body is assumed
 * to be within the single-message limit already. Returns the positions of the bodies in each batch.
 */
export function planSendBatches(bodies: readonly string[], maxBatchBytes = MAX_BODY_BYTES): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let currentBytes = 0;
  bodies.forEach((body, index) => {
    const bytes = bodyBytes(body);
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && currentBytes + bytes > maxBatchBytes)) {
      batches.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(index);
    currentBytes += bytes;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}
