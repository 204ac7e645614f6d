import { DependencyUnavailableError } from '../core/errors.js';
import { MessageRejectedError, MessageTooLargeError, QueueArgumentError } from '../core/queue/errors.js';

/**
 * Runs a queue operation; a failure that is not one of the contract's typed errors becomes
 * DependencyUnavailableError('queue') (503). Drivers map the outages they know, but a backend can
 * fail in ways nobody listed, and to a client each of those means "the queue cannot take this now,
 * retry" rather than a 500.
 */
export async function fromQueue<T>(what: string, operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (
      error instanceof DependencyUnavailableError ||
      error instanceof MessageTooLargeError ||
      error instanceof MessageRejectedError ||
      error instanceof QueueArgumentError
    ) {
      throw error;
    }
    throw new DependencyUnavailableError('queue', `${what}: ${(error as Error).message}`, { cause: error });
  }
}
