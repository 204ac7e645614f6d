import { CliError } from './cli-error.js';

/** A small client for the HTTP API (DESIGN §5), used by `submit` and `runs`. */

export interface ClientOptions {
  url: string;
  key: string | undefined;
}

export interface RunObject {
  id: string;
  status: string;
  [field: string]: unknown;
}

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

export function isTerminalStatus(status: string): boolean {
  return TERMINAL.has(status);
}

/**
 * The API answers every request the CLI makes at once (a run's events are followed elsewhere); one
 * that hangs this long is treated as no answer, so a stuck connection cannot hold `submit` for the
 * 300 s of undici's own headers timeout on every attempt.
 */
export const REQUEST_TIMEOUT_SECONDS = 30;

export class ApiClient {
  private readonly key: string;

  constructor(private readonly options: ClientOptions) {
    if (!options.key) throw new CliError('no API key: pass --key or set AGENTFLEET_KEY');
    this.key = options.key;
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const url = new URL(path, this.options.url);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_SECONDS * 1000),
      });
    } catch (error) {
      throw new ApiUnreachableError(`cannot reach ${this.options.url}: ${describe(error)}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new ApiUnreachableError(`lost the answer from ${this.options.url} (${response.status}): ${describe(error)}`);
    }
    // A proxy or load balancer in front of the API answers with HTML or plain text, not JSON.
    const isJson = /\bjson\b/i.test(response.headers.get('content-type') ?? '');
    const json = isJson && text ? parseJson(text) : undefined;
    if (!response.ok) {
      const problem = json as { title?: string; detail?: string } | undefined;
      throw new ApiResponseError(
        `${method} ${path}: ${response.status} ${problem?.title ?? response.statusText}${problem?.detail ? `: ${problem.detail}` : ''}`,
        response.status,
        response.headers.get('retry-after'),
      );
    }
    if (json === undefined && text) throw new CliError(`${method} ${path}: ${response.status} answer is not JSON (${response.headers.get('content-type') ?? 'no content type'})`, 1);
    return json as T;
  }
}

function describe(error: unknown): string {
  if ((error as Error).name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_SECONDS} s`;
  return String((error as Error).cause ?? (error as Error).message);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * No answer came back: the request failed to go out or its answer was cut off. The API may still
 * have acted on it.
 */
export class ApiUnreachableError extends CliError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** The API answered with an error status; `retryAfter` is its Retry-After header, when it sent one. */
export class ApiResponseError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    readonly retryAfter: string | null,
  ) {
    super(message, 1);
  }
}
