/**
 * A small client for the agentfleet HTTP API as a chaos scenario uses it: every answer comes back
 * with its status and headers (a 503 is data here, not an exception); only a request that got no
 * answer at all (connection refused, timeout) throws, as ApiUnreachableError.
 */

export interface ApiAnswer<T> {
  status: number;
  json: T;
  headers: Headers;
}

export class ApiUnreachableError extends Error {
  override readonly name = 'ApiUnreachableError';
}

/** The parts of a run object (DESIGN §5) the scenarios read. */
export interface RunObject {
  id: string;
  status: string;
  attempts: { number: number; outcome: string | null; error: { type: string; message: string } | null }[];
  result: unknown;
  error: { type: string; message: string } | null;
}

export interface QueueObject {
  visible: number;
  inFlight: number;
  delayed: number;
  deadLettered: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

export class ApiClient {
  constructor(
    readonly url: string,
    private readonly key: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer<T>> {
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ApiUnreachableError(`${method} ${path}: ${(error as Error).message}`, { cause: error });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, json: json as T, headers: response.headers };
  }

  /** POST /v1/runs, expecting 202; anything else is an error naming the status and problem. */
  async submit(body: unknown, idempotencyKey?: string): Promise<RunObject> {
    const answer = await this.request<RunObject>('POST', '/v1/runs', body, idempotencyKey ? { 'idempotency-key': idempotencyKey } : {});
    if (answer.status !== 202) throw new Error(`POST /v1/runs answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    return answer.json;
  }

  /** POST /v1/runs/batch (up to 100), expecting 202 with one accepted run per item. */
  async submitBatch(bodies: readonly unknown[]): Promise<RunObject[]> {
    const answer = await this.request<{ runs: RunObject[] }>('POST', '/v1/runs/batch', { runs: bodies });
    if (answer.status !== 202) throw new Error(`POST /v1/runs/batch answered ${answer.status}: ${JSON.stringify(answer.json)}`);
    // An item the API could not queue comes back as a problem in its place, without an id.
    const refused = answer.json.runs.find((run) => typeof run.id !== 'string');
    if (refused) throw new Error(`POST /v1/runs/batch refused an item: ${JSON.stringify(refused)}`);
    return answer.json.runs;
  }

  /** The run, or undefined when the API answers 404; other statuses throw. */
  async run(id: string): Promise<RunObject | undefined> {
    const answer = await this.request<RunObject>('GET', `/v1/runs/${id}`);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw new Error(`GET /v1/runs/${id} answered ${answer.status}`);
    return answer.json;
  }

  async queue(): Promise<QueueObject> {
    const answer = await this.request<QueueObject>('GET', '/v1/queue');
    if (answer.status !== 200) throw new Error(`GET /v1/queue answered ${answer.status}`);
    return answer.json;
  }
}
