import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Submits `count` runs through the HTTP API (`POST /v1/runs`, what a client does), `connections` at
 * a time over keep-alive connections, and returns their ids. node:http rather than fetch: fetch
 * costs the runner ~2 ms of CPU a request, which on a 2-core machine is taken from the fleet under
 * test. A 429 or 503 is waited out for its Retry-After and sent again; any other answer than 202
 * stops the submission with its body.
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

interface Answer {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

export async function submitRuns(options: SubmitOptions): Promise<SubmitResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const body = Buffer.from(JSON.stringify(options.body));
  const target = new URL('/v1/runs', options.url);
  const headers = { 'content-type': 'application/json', 'content-length': String(body.length), authorization: `Bearer ${options.apiKey}` };
  const post = () =>
    new Promise<Answer>((resolve, reject) => {
      const call = request(target, { method: 'POST', headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'], text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      });
      call.on('error', reject);
      call.end(body);
    });

  const ids: string[] = [];
  let next = 0;
  let retried = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < options.count) {
      next += 1;
      for (let tries = 0; ; tries += 1) {
        const answer = await post();
        if (answer.status === 202) {
          ids.push((JSON.parse(answer.text) as { id: string }).id);
          break;
        }
        if (!RETRYABLE.has(answer.status) || tries >= MAX_RETRIES) {
          throw new Error(`POST /v1/runs answered ${answer.status} after ${ids.length} runs: ${answer.text.slice(0, 300)}`);
        }
        retried += 1;
        await sleep(Number(answer.retryAfter ?? 1) * 1000);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.connections, options.count) }, lane));
  } finally {
    agent.destroy();
  }
  return { ids, seconds: (performance.now() - started) / 1000, retried };
}
