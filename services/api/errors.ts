/**
 * Errors the API's handlers throw for the client's mistakes. Each knows its HTTP status and problem
 * type; problem.ts turns them (and dependency failures, and bugs) into problem+json in one place.
 */

/** One rejected input, named the way the client wrote it: `agent`, `metadata.team`, `status`, `Idempotency-Key`. */
export interface FieldError {
  field: string;
  message: string;
}

export abstract class ApiError extends Error {
  abstract readonly status: number;
  /** Short name of the problem type; problem.ts turns it into the `type` URI. */
  abstract readonly problemType: string;
  abstract readonly title: string;
  /** Extra members of the problem object, beside type/title/status/detail. */
  readonly extensions: Record<string, unknown> = {};
  /** Headers the response must carry (e.g. WWW-Authenticate). */
  readonly headers: Record<string, string> = {};
}

export class ValidationError extends ApiError {
  override readonly name = 'ValidationError';
  readonly status = 400;
  readonly problemType = 'validation';
  readonly title = 'Invalid request';
  constructor(readonly errors: readonly FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.extensions.errors = errors;
  }
}

export class MalformedJsonError extends ApiError {
  override readonly name = 'MalformedJsonError';
  readonly status = 400;
  readonly problemType = 'malformed-json';
  readonly title = 'Body is not valid JSON';
}

export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
  readonly status = 401;
  readonly problemType = 'unauthorized';
  readonly title = 'Missing or invalid API key';
  constructor(message: string, reason: 'missing' | 'invalid') {
    super(message);
    // RFC 6750 §3: no error code when the request carried no credentials at all.
    this.headers['WWW-Authenticate'] = reason === 'missing' ? 'Bearer realm="agentfleet"' : 'Bearer realm="agentfleet", error="invalid_token"';
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
  readonly status = 404;
  readonly problemType = 'not-found';
  readonly title = 'Not found';
}

/** Cancelling a run that already ended some other way. */
export class RunAlreadyFinishedError extends ApiError {
  override readonly name = 'RunAlreadyFinishedError';
  readonly status = 409;
  readonly problemType = 'run-already-finished';
  readonly title = 'Run already finished';
  constructor(
    readonly runId: string,
    readonly runStatus: string,
  ) {
    super(`run ${runId} already finished with status "${runStatus}"`);
    this.extensions.runStatus = runStatus;
  }
}

/** An Idempotency-Key sent again with a different body (IETF idempotency-key draft: 422). */
export class IdempotencyKeyMismatchError extends ApiError {
  override readonly name = 'IdempotencyKeyMismatchError';
  readonly status = 422;
  readonly problemType = 'idempotency-key-mismatch';
  readonly title = 'Idempotency-Key reused with a different body';
  constructor(readonly runId: string) {
    super(`this Idempotency-Key was first sent with a different body (it created run ${runId}); use a new key for a new request`);
    this.extensions.runId = runId;
  }
}

export class PayloadTooLargeError extends ApiError {
  override readonly name = 'PayloadTooLargeError';
  readonly status = 413;
  readonly problemType = 'payload-too-large';
  readonly title = 'Body too large';
  constructor(limitBytes: number, what = 'the request body is too large') {
    super(`${what}; the limit is ${limitBytes} bytes`);
    // The client may still be sending the rest; closing is cheaper than reading it to keep the connection.
    this.headers.Connection = 'close';
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly status = 415;
  readonly problemType = 'unsupported-media-type';
  readonly title = 'Unsupported media type';
}

/** Over a limit (tenant-limits.ts): `Retry-After` and the IETF RateLimit headers say when to come back. */
export class TooManyRequestsError extends ApiError {
  override readonly name = 'TooManyRequestsError';
  readonly status = 429;
  readonly problemType = 'rate-limited';
  readonly title = 'Too many requests';
  constructor(message: string, options: { retryAfterSeconds: number; headers: Record<string, string>; limit: string }) {
    super(message);
    Object.assign(this.headers, options.headers, { 'Retry-After': String(options.retryAfterSeconds) });
    this.extensions.limit = options.limit;
  }
}
