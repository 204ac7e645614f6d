import { DependencyUnavailableError } from '../core/errors.js';

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

/**
 * A create (POST /v1/runs, POST /v1/runs/batch) stopped by an outage of Redis or the queue: 503 with
 * Retry-After like any outage, plus whether the run may exist. `mayHaveBeenRecorded` is false only
 * when the API knows this request kept nothing and no earlier request can have made the run: it failed
 * before recording a run without an Idempotency-Key (never for a batch, whose items may carry keys), or it
 * withdrew the record after the send failed (a message that reached the queue anyway is then dropped
 * by the worker). When true, the
 * run may be recorded and will then run (a retry or the unsent-run sweeper sends its message). Either
 * way a retry with the same Idempotency-Key is what to do: it returns that run, or creates it once.
 */
export class RunNotAcceptedError extends ApiError {
  override readonly name = 'RunNotAcceptedError';
  readonly status = 503;
  readonly problemType = 'dependency-unavailable';
  readonly title = 'Service temporarily unavailable';
  constructor(
    outage: DependencyUnavailableError,
    readonly mayHaveBeenRecorded: boolean,
    /** What failed: a POST /v1/runs, a whole batch, or one item of a batch. */
    what: CreateRequest = 'run',
  ) {
    super(`${outage.dependency} is unavailable; ${NOT_ACCEPTED_ADVICE[what][mayHaveBeenRecorded ? 'maybe' : 'not']}`, { cause: outage });
    this.extensions.dependency = outage.dependency;
    this.extensions.mayHaveBeenRecorded = mayHaveBeenRecorded;
    this.headers['Retry-After'] = String(outage.retryAfterSeconds);
  }
}

export type CreateRequest = 'run' | 'batch' | 'batch-item';

const NOT_ACCEPTED_ADVICE: Record<CreateRequest, { not: string; maybe: string }> = {
  run: {
    not: 'this request recorded no run. Retry later with the same Idempotency-Key (a run an earlier request with that key created stands, and the retry returns it).',
    maybe:
      'the run may have been recorded, and if it was it will run. Retry with the same Idempotency-Key: you get that run, or it is created now, never both. A retry without the key may create a second run.',
  },
  batch: {
    not: 'this request recorded no run. Retry later, each item with the same idempotencyKey (a run an earlier request with that key created stands, and the retry returns it).',
    maybe:
      'the runs may have been recorded, and if they were they will run. Retry each item with the same idempotencyKey: you get its run, or it is created now, never both. An item without a key may create a second run.',
  },
  'batch-item': {
    not: 'this request recorded no run for the item. Retry the item later with the same idempotencyKey (a run an earlier request with that key created stands, and the retry returns it).',
    maybe:
      'the run may have been recorded, and if it was it will run. Retry the item with the same idempotencyKey: you get that run, or it is created now, never both. Without the key a retry may create a second run.',
  },
};

/** A create's failure as the client must see it: an outage becomes RunNotAcceptedError, anything else stays as it is. */
export function notAccepted(error: unknown, mayHaveBeenRecorded: boolean, what?: CreateRequest): unknown {
  return error instanceof DependencyUnavailableError ? new RunNotAcceptedError(error, mayHaveBeenRecorded, what) : error;
}
