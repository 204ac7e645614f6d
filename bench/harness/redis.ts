import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import { pinProcess, type CpuPlan } from './pinning.js';

/**
 * A private redis-server for one benchmark (the same one the tests use), moved onto the plan's
 * backing CPU, with the figures benchmarks read from it.
 */
export interface BenchRedis {
  url: string;
  pid: number;
  version: string;
  client: Redis;
  usedMemoryBytes(): Promise<number>;
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchRedis(plan: CpuPlan): Promise<BenchRedis> {
  const server: TestRedis = await startRedis();
  const client = new Redis(server.url, { maxRetriesPerRequest: null });
  const info = await client.info('server');
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  if (plan.pinned && plan.backing !== undefined && pid > 0) pinProcess(pid, plan.backing);
  return {
    url: server.url,
    pid,
    version,
    client,
    usedMemoryBytes: async () => Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]),
    flush: async () => {
      await client.flushall();
    },
    stop: async () => {
      client.disconnect();
      await server.stop();
    },
  };
}
