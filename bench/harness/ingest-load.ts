import type { HttpLoadOptions } from './http-load.js';

/**
 * The load of the ingest benchmarks: `POST /v1/runs` of a small simulate run over 50 connections,
 * each request a distinct run (its own Idempotency-Key, so the idempotency path is exercised and
 * never short-circuits).
 */
export const INGEST_CONNECTIONS = 50;

export const RUN_BODY = JSON.stringify({ agent: 'simulate', input: { durationMs: 1000, output: { note: 'bench' } }, metadata: { source: 'bench' } });

export function ingestLoad(baseUrl: string, apiKey: string, seconds: number): HttpLoadOptions {
  return {
    url: `${baseUrl}/v1/runs`,
    connections: INGEST_CONNECTIONS,
    durationSeconds: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: RUN_BODY,
    uniqueHeader: 'Idempotency-Key',
    expectStatus: 202,
  };
}
