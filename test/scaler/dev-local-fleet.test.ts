import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { startRedis, type TestRedis } from '../support/redis.js';
import { waitFor } from '../support/ports.js';

/**
 * End to end: `agentfleet dev` as a process (API + scaler + local worker fleet) on a private Redis.
 * A burst of 2,000 short runs makes the local fleet grow past its floor, every run succeeds, and the
 * fleet shrinks back to its floor afterwards. Cooldowns are shortened through the scaler's
 * documented variables (SCALER_TICK_SECONDS, SCALER_SCALE_*_COOLDOWN_SECONDS) so this takes about a
 * minute instead of the dev environment's 5-minute scale-in cooldown.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'e2e-key-0123456789abcdef';
const RUNS = 2_000;
const MIN_WORKERS = 1;
const MAX_WORKERS = 4;

let redis: TestRedis;
let dev: ChildProcess | undefined;
let url = '';

interface LocalPool {
  desired: number;
  running: number;
  min: number;
  max: number;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const response = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as T };
}

async function localPool(): Promise<LocalPool | undefined> {
  const fleet = await api<{ pools: (LocalPool & { name: string })[]; lastDecision: unknown }>('GET', '/v1/fleet');
  return fleet.json.pools.find((pool) => pool.name === 'local');
}

test.before(async () => {
  redis = await startRedis();
  dev = spawn(process.execPath, ['bin/agentfleet.js', 'dev', '--port', '0', '--slots', '8', '--min-workers', String(MIN_WORKERS), '--max-workers', String(MAX_WORKERS)], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      QUEUE_NAME: `e2e-${process.pid}`,
      AGENTFLEET_BOOTSTRAP_KEYS: `e2e:${KEY}`,
      AGENTFLEET_ENV: 'dev',
      LOG_LEVEL: 'warn',
      SCALER_TICK_SECONDS: '1',
      SCALER_SCALE_OUT_COOLDOWN_SECONDS: '2',
      SCALER_SCALE_IN_COOLDOWN_SECONDS: '5',
      SHUTDOWN_GRACE_SECONDS: '10',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  dev.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  dev.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  await waitFor(async () => /API\s+(http:\/\/127\.0\.0\.1:\d+)/.test(output), 'agentfleet dev to print its URL', 60_000);
  url = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
});

test.after.always(async () => {
  if (dev && dev.exitCode === null) {
    const exited = new Promise((resolve) => dev?.once('exit', resolve));
    dev.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    if (dev.exitCode === null) dev.kill('SIGKILL');
  }
  await redis?.stop();
});

test('a burst of 2,000 runs grows the local fleet, every run succeeds, and the fleet shrinks back to its floor', async (t) => {
  t.timeout(170_000);
  await waitFor(async () => (await localPool())?.running === MIN_WORKERS, 'the local pool at its floor', 60_000);

  let largest = 0;
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      const pool = await localPool().catch(() => undefined);
      largest = Math.max(largest, pool?.running ?? 0);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  const started = Date.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < RUNS) {
        next += 1;
        const { status, json } = await api<{ id: string }>('POST', '/v1/runs', { agent: 'simulate', input: { durationMs: 250 } });
        if (status !== 202) throw new Error(`POST /v1/runs answered ${status}`);
        ids.push(json.id);
      }
    }),
  );
  t.is(ids.length, RUNS);

  await waitFor(
    async () => {
      const queue = (await api<{ visible: number; inFlight: number; delayed: number }>('GET', '/v1/queue')).json;
      return queue.visible + queue.inFlight + queue.delayed === 0;
    },
    'the queue to drain',
    120_000,
  );
  const drainedAfter = Date.now() - started;
  t.true(largest > MIN_WORKERS, `the fleet grew past its floor (largest: ${largest} workers)`);

  const succeeded = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { runs: { id: string }[]; nextCursor: string | null } = (
      await api<{ runs: { id: string }[]; nextCursor: string | null }>('GET', `/v1/runs?status=succeeded&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    ).json;
    for (const run of page.runs) succeeded.add(run.id);
    cursor = page.nextCursor;
  } while (cursor);
  t.is(ids.filter((id) => succeeded.has(id)).length, RUNS, 'every run succeeded');

  await waitFor(
    async () => {
      const pool = await localPool();
      return pool?.desired === MIN_WORKERS && pool.running === MIN_WORKERS;
    },
    'the local fleet to shrink back to its floor',
    90_000,
  );
  watching = false;
  await watcher;
  const pool = await localPool();
  t.like(pool, { desired: MIN_WORKERS, running: MIN_WORKERS, min: MIN_WORKERS, max: MAX_WORKERS });
  t.log(`grew to ${largest} workers; ${RUNS} runs done ${(drainedAfter / 1000).toFixed(1)}s after the first submit; back at the floor ${((Date.now() - started) / 1000).toFixed(1)}s after it`);
});
