import { MessageTooLargeError, QueueArgumentError } from './errors.js';

/**
 * Limits every driver enforces, set by the strictest backend (SQS), so a run accepted on BullMQ in
 * development is never refused by SQS in production.
 */

/** SQS's classic message size limit, also the API's request limit (DESIGN §5). */
export const MAX_BODY_BYTES = 256 * 1024;

/** SQS DelaySeconds cap; a release with a new body is a delayed send, so it shares the cap. */
export const MAX_DELAY_SECONDS = 900;

export function bodyBytes(body: string): number {
  return Buffer.byteLength(body, 'utf8');
}

export function assertBodySize(body: string, index?: number): void {
  // Only bodies that might be too large pay for an exact count: a UTF-16 unit is at most 3 UTF-8 bytes.
  if (body.length * 3 <= MAX_BODY_BYTES) return;
  const bytes = bodyBytes(body);
  if (bytes > MAX_BODY_BYTES) throw new MessageTooLargeError(bytes, MAX_BODY_BYTES, index);
}

export function assertDelaySeconds(field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0 || value > MAX_DELAY_SECONDS) {
    throw new QueueArgumentError(field, `must be a number of seconds from 0 to ${MAX_DELAY_SECONDS}, got ${value}`);
  }
}

/** Send priorities: 0 (the default) to this; higher is delivered first. */
export const MAX_PRIORITY = 100;

export function assertPriority(field: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_PRIORITY) {
    throw new QueueArgumentError(field, `must be an integer from 0 to ${MAX_PRIORITY}, got ${value}`);
  }
}

/** SQS's cap on a message's visibility timeout. */
export const MAX_VISIBILITY_SECONDS = 12 * 3600;

export function assertVisibilitySeconds(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_VISIBILITY_SECONDS) {
    throw new QueueArgumentError(field, `must be a number of seconds above 0 and at most ${MAX_VISIBILITY_SECONDS}, got ${value}`);
  }
}

export function assertReceiveArguments(max: number, waitSeconds: number): void {
  if (!Number.isInteger(max) || max < 1) throw new QueueArgumentError('max', `must be a positive integer, got ${max}`);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new QueueArgumentError('waitSeconds', `must be a number of seconds ≥ 0, got ${waitSeconds}`);
  }
}
