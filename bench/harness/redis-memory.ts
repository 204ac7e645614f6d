import type { Redis } from 'ioredis';

/**
 * Where Redis's bytes go: every key's MEMORY USAGE, grouped by key pattern (ids replaced by `*`),
 * so "3.1 KB per run" can be read as "1.2 KB the run hash, 0.9 KB the queue job, ...".
 */
export interface KeyPatternUsage {
  pattern: string;
  keys: number;
  bytes: number;
}

/** A key segment that names one thing (a UUID, a long hex or base64url token, a number) becomes `*`. */
const ID_SEGMENT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[^:]*\d)[A-Za-z0-9_-]{20,}|\d+)$/i;

export function keyPattern(key: string): string {
  return key
    .split(':')
    .map((segment) => (ID_SEGMENT.test(segment) ? '*' : segment))
    .join(':');
}

export function groupByPattern(usages: Iterable<{ key: string; bytes: number }>): KeyPatternUsage[] {
  const groups = new Map<string, KeyPatternUsage>();
  for (const { key, bytes } of usages) {
    const pattern = keyPattern(key);
    const group = groups.get(pattern) ?? { pattern, keys: 0, bytes: 0 };
    group.keys += 1;
    group.bytes += bytes;
    groups.set(pattern, group);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}

export async function memoryByKeyPattern(redis: Redis): Promise<KeyPatternUsage[]> {
  const usages: { key: string; bytes: number }[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', '0');
    const replies = (await pipeline.exec()) ?? [];
    keys.forEach((key, index) => usages.push({ key, bytes: Number(replies[index]?.[1] ?? 0) }));
  } while (cursor !== '0');
  return groupByPattern(usages);
}
