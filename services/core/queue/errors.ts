import { DependencyUnavailableError } from '../errors.js';

/**
 * Errors every queue driver throws, so callers (API, worker) branch on the class and never on a
 * backend's message text. Each driver maps its backend's failures onto these in one place.
 */

/** The queue backend (Redis for BullMQ, SQS) did not answer; the API answers 503. */
export class QueueUnavailableError extends DependencyUnavailableError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('queue', message, options);
  }
}

/** A body over the size every driver accepts; nothing was sent. */
export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';

  constructor(
    readonly bytes: number,
    readonly limitBytes: number,
    /** Position in the `sendBatch` input, when the body came from a batch. */
    readonly index?: number,
  ) {
    super(
      `message body is ${bytes} bytes${index === undefined ? '' : ` (batch entry ${index})`}; the limit is ${limitBytes} bytes (256 KiB)`,
    );
  }
}

/** The backend refused a message for its content (e.g. SQS: characters outside the allowed set). */
export class MessageRejectedError extends Error {
  override readonly name = 'MessageRejectedError';

  constructor(
    message: string,
    /** Positions in the `sendBatch` input that were refused; messages not listed were sent. */
    readonly indexes: readonly number[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The receiver no longer holds this delivery: its visibility lapsed, it was already acked, released
 * or dead-lettered, or it came from another driver. The message may be delivered again; the run
 * store's lease decides whether it runs again.
 */
export class DeliveryNotHeldError extends Error {
  override readonly name = 'DeliveryNotHeldError';

  constructor(
    readonly deliveryId: string,
    message = `delivery ${deliveryId} is no longer held by this receiver`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A queue call with an argument out of range; names the argument. Nothing was changed. */
export class QueueArgumentError extends RangeError {
  override readonly name = 'QueueArgumentError';

  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
