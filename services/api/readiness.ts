import type { Readiness } from './schemas.js';

/** How long /readyz waits for each dependency; load balancers probe often and must not pile up. */
export const READINESS_TIMEOUT_MS = 1_000;

/** Resolves 'ok' when `ping` answers within `timeoutMs`, 'down' when it fails or takes longer. */
export async function probe(ping: () => Promise<void>, timeoutMs: number): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'down'>((resolve) => {
    timer = setTimeout(() => resolve('down'), timeoutMs);
  });
  try {
    return await Promise.race([ping().then(() => 'ok' as const, () => 'down' as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkReadiness(redisPing: () => Promise<void>, queuePing: () => Promise<void>, timeoutMs: number): Promise<Readiness> {
  const [redis, queue] = await Promise.all([probe(redisPing, timeoutMs), probe(queuePing, timeoutMs)]);
  return { redis, queue };
}

export function isReady(readiness: Readiness): boolean {
  return readiness.redis === 'ok' && readiness.queue === 'ok';
}
