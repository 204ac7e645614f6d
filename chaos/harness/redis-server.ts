import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { waitFor } from './wait.js';

/**
 * A private redis-server on a free loopback port for one scenario. With `durable`, every write is in
 * the append-only file before Redis answers it (appendfsync always), so a SIGKILL and a restart on
 * the same directory bring back everything that was acknowledged: a Redis that comes back with its
 * data, as a rebooted or failed-over ElastiCache node with a synchronised replica does.
 */

export interface ScenarioRedisOptions {
  durable: boolean;
}

export class ScenarioRedis {
  private child: ChildProcess | undefined;

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly options: ScenarioRedisOptions,
  ) {}

  static async start(options: ScenarioRedisOptions): Promise<ScenarioRedis> {
    const redis = new ScenarioRedis(await freePort(), mkdtempSync(join(tmpdir(), 'agentfleet-chaos-redis-')), options);
    await redis.launch();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** SIGKILL: no shutdown save, no goodbye to clients; the outage starts now. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts it again on the same port and directory (and so with its data, when durable). */
  async restart(): Promise<void> {
    await this.kill();
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const persistence = this.options.durable ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--save', '', ...persistence], {
      stdio: 'ignore',
    });
    this.child = child;
    child.once('error', (error) => process.stderr.write(`[chaos] could not start redis-server: ${error.message}\n`));
    process.once('exit', () => child.kill('SIGKILL'));
    await waitFor(() => this.answers(), `redis-server on port ${this.port}`, 30_000, 50);
  }

  private async answers(): Promise<boolean> {
    const client = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      // While the append-only file is replayed Redis answers LOADING: not up yet.
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
