import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Submits `count` runs through the HTTP API (`POST /v1/runs`, what a client does), `connections` at
 * a time, and returns their ids in submission order. A 429 or 503 is waited out for its
 * Retry-After and sent again; any other answer than 202 stops the submission with its body.
 */
export interface SubmitOptions {
  url: string;
  apiKey: string;
  count: number;
  connections: number;
  body: unknown;
}

export interface SubmitResult {
  ids: string[];
  seconds: number;
  /** Requests answered 429 or 503 and sent again. */
  retried: number;
}

const RETRYABLE = new Set([429, 503]);
const MAX_RETRIES = 20;

export async function submitRuns(options: SubmitOptions): Promise<SubmitResult> {
  const ids: string[] = [];
  const body = JSON.stringify(options.body);
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${options.apiKey}` };
  let next = 0;
  let retried = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < options.count) {
      next += 1;
      for (let tries = 0; ; tries += 1) {
        const response = await fetch(`${options.url}/v1/runs`, { method: 'POST', headers, body });
        const text = await response.text();
        if (response.status === 202) {
          ids.push((JSON.parse(text) as { id: string }).id);
          break;
        }
        if (!RETRYABLE.has(response.status) || tries >= MAX_RETRIES) {
          throw new Error(`POST /v1/runs answered ${response.status} after ${ids.length} runs: ${text.slice(0, 300)}`);
        }
        retried += 1;
        await sleep(Number(response.headers.get('retry-after') ?? 1) * 1000);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.connections, options.count) }, lane));
  return { ids, seconds: (performance.now() - started) / 1000, retried };
}
