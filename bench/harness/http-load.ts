import autocannon from 'autocannon';
import { summarize, type LatencySummary } from './stats.js';

/**
 * Closed-loop HTTP load with autocannon: `connections` keep one request in flight each, for
 * `durationSeconds`. Throughput counts only responses with the expected status; latencies are
 * every such response's, summarised by our own percentiles (autocannon's histogram has no p95).
 */
export interface HttpLoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** Give each request its own value of this header (e.g. Idempotency-Key), so no two requests are the same. */
  uniqueHeader?: string;
  expectStatus: number;
}

export interface HttpLoadResult {
  seconds: number;
  /** Responses with the expected status. */
  ok: number;
  okPerSecond: number;
  /** Other statuses by code: any entry here is worth a look. */
  otherStatuses: Record<string, number>;
  errors: number;
  timeouts: number;
  latency?: LatencySummary;
  /** CPU this (load-generating) process used, in cores: near 1.0 means the generator may be the limit. */
  generatorCores: number;
}

let uniqueCounter = 0;

export async function runHttpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const latencies: number[] = [];
  const otherStatuses: Record<string, number> = {};
  const runPrefix = `${process.pid}-${Date.now().toString(36)}-`;
  const uniqueHeader = options.uniqueHeader?.toLowerCase();
  const requests = uniqueHeader
    ? [{ setupRequest: (request: autocannon.Request) => ({ ...request, headers: { ...request.headers, [uniqueHeader]: `${runPrefix}${++uniqueCounter}` } }) }]
    : undefined;

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.durationSeconds,
        method: options.method,
        headers: options.headers,
        ...(options.body !== undefined ? { body: options.body } : {}),
        ...(requests ? { requests } : {}),
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  instance?.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    if (statusCode === options.expectStatus) latencies.push(responseTime);
    else otherStatuses[statusCode] = (otherStatuses[statusCode] ?? 0) + 1;
  });
  const result = await finished;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  return {
    seconds,
    ok: latencies.length,
    okPerSecond: latencies.length / seconds,
    otherStatuses,
    errors: result.errors,
    timeouts: result.timeouts,
    ...(latencies.length > 0 ? { latency: summarize(latencies) } : {}),
    generatorCores: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}
