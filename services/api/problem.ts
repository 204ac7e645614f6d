import { DependencyUnavailableError } from '../core/errors.js';
import { MessageRejectedError, MessageTooLargeError } from '../core/queue/errors.js';
import { IdempotencyKeyReusedError, InvalidCursorError } from '../core/run/errors.js';
import { ApiError, IdempotencyKeyMismatchError, PayloadTooLargeError, ValidationError } from './errors.js';
import type { Problem } from './schemas.js';

/**
 * The one place that decides what a failure looks like on the wire (RFC 9457 problem+json):
 * the client's mistakes keep their 4xx status and say what to fix; a dependency that is down is 503
 * with Retry-After, never 500; anything else is a bug: 500 without internals, logged by the caller
 * with the request id that the client also sees.
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_PREFIX = 'urn:agentfleet:problem:';

export function problemTypeUri(name: string): string {
  return TYPE_PREFIX + name;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** False for a bug (500): worth an error log with the stack. */
  expected: boolean;
}

const STATUS_TITLES: Record<number, [type: string, title: string]> = {
  400: ['bad-request', 'Bad request'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  408: ['request-timeout', 'Request timeout'],
  431: ['headers-too-large', 'Request headers too large'],
};

export function problemForError(error: unknown, requestId: string): ProblemResponse {
  const clientError = asApiError(error);
  if (clientError !== undefined) {
    const { problemType, title, status, message, extensions, headers } = clientError;
    return { problem: { type: problemTypeUri(problemType), title, status, detail: message, requestId, ...extensions }, headers, expected: true };
  }
  if (error instanceof DependencyUnavailableError) {
    return {
      problem: {
        type: problemTypeUri('dependency-unavailable'),
        title: 'Service temporarily unavailable',
        status: 503,
        detail: `${error.dependency} is unavailable; nothing was changed, retry later`,
        requestId,
        dependency: error.dependency,
      },
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
      expected: true,
    };
  }
  const status = koaClientErrorStatus(error);
  if (status !== undefined) return { problem: problemForStatus(status, requestId, (error as Error).message), headers: {}, expected: true };
  return {
    problem: {
      type: problemTypeUri('internal'),
      title: 'Internal error',
      status: 500,
      detail: `an unexpected error occurred; quote request id ${requestId} when reporting it`,
      requestId,
    },
    headers: {},
    expected: false,
  };
}

/** For responses the router produced without an error (unknown path, wrong method). */
export function problemForStatus(status: number, requestId: string, detail?: string): Problem {
  const [name, title] = STATUS_TITLES[status] ?? [`http-${status}`, `HTTP ${status}`];
  return { type: problemTypeUri(name), title, status, detail: detail ?? title, requestId };
}

/** The API's own client errors, and the core modules' errors that are the client's doing, as ApiErrors. */
function asApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (error instanceof InvalidCursorError) return new ValidationError([{ field: error.field, message: error.message }]);
  if (error instanceof IdempotencyKeyReusedError) return new IdempotencyKeyMismatchError(error.runId);
  // The body was within its limit, but the run's queue message (input plus envelope) is not.
  if (error instanceof MessageTooLargeError) return new PayloadTooLargeError(error.limitBytes, `the run's queue message would be ${error.bytes} bytes`);
  if (error instanceof MessageRejectedError) return new ValidationError([{ field: 'input', message: `the queue refused it: ${error.message}` }]);
  return undefined;
}

/** Client errors raised by Koa itself (e.g. `ctx.throw(400)`), whose messages are meant for clients. */
function koaClientErrorStatus(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const { status, expose } = error as Error & { status?: unknown; expose?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 && expose === true ? status : undefined;
}
