/**
 * Errors that cross service boundaries. Callers branch on the class, never on message text; the API
 * maps each class to an HTTP status in one place.
 */

/**
 * A backing service (Redis, the queue) did not answer. Nothing was changed that the caller cannot
 * safely retry; the API answers 503 with `Retry-After`.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';

  constructor(
    /** Which dependency failed: `redis`, `queue`, ... */
    readonly dependency: string,
    message: string,
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, { cause: options?.cause });
    this.retryAfterSeconds = options?.retryAfterSeconds ?? 1;
  }

  /** How long a client should wait before trying again (HTTP `Retry-After`). */
  readonly retryAfterSeconds: number;
}
