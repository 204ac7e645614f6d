import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitFor } from './ports.js';

/**
 * A real redis-server on a free loopback port, private to one test file (or chaos scenario).
 * `stop()` kills it by PID; `restart()` brings it back on the same port and directory (for "Redis
 * went away" tests); `kill()` (SIGKILL: no shutdown save, no goodbye to clients) takes it down and
 * leaves it down until `restart()`, for tests that look at what happens during the outage.
 *
 * With `durable`, every write is in the append-only file before Redis answers it (appendfsync
 * always), so a kill and a restart bring back everything that was acknowledged: a Redis that comes
 * back with its data, as a rebooted or failed-over ElastiCache node with a synchronised replica does.
 * Without it, a restart comes back empty.
 */
export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
  kill(): Promise<void>;
}

export async function startRedis(options: { durable?: boolean } = {}): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-redis-'));
  const persistence = options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | undefined;

  const launch = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    child.on('error', (error) => {
      throw new Error(`could not start redis-server (is it installed?): ${error.message}`);
    });
    await waitFor(async () => {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => {});
      try {
        await client.connect();
        // While the append-only file is replayed Redis answers LOADING: not up yet.
        return (await client.ping()) === 'PONG';
      } finally {
        client.disconnect();
      }
    }, `redis-server on port ${port}`, options.durable ? 30_000 : undefined);
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  process.once('exit', () => child?.kill('SIGKILL'));
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await kill();
      await launch();
    },
    kill,
  };
}
