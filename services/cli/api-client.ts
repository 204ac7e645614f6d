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

export class ApiClient {
  constructor(private readonly options: ClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    if (!this.options.key) throw new CliError('no API key: pass --key or set AGENTFLEET_KEY');
    let response: Response;
    try {
      response = await fetch(new URL(path, this.options.url), {
        method,
        headers: {
          authorization: `Bearer ${this.options.key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(`cannot reach ${this.options.url}: ${(error as Error).cause ?? (error as Error).message}`, 1);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const problem = json as { title?: string; detail?: string } | undefined;
      throw new ApiResponseError(
        `${method} ${path}: ${response.status} ${problem?.title ?? ''}${problem?.detail ? `: ${problem.detail}` : ''}`,
        response.status,
        response.headers.get('retry-after'),
      );
    }
    return json as T;
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
