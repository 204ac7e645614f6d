import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Redis } from 'ioredis';
import { freePort, waitFor } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * No Docker engine runs here, so this test replays the Dockerfile itself: each stage's COPY and RUN
 * steps in a scratch directory per stage (npm ci, build, prune), the final stage assembled from them,
 * then the image's ENTRYPOINT started for each service — api, worker and scaler — against a real Redis,
 * as the image's USER when this test runs as root (as CI does), else as whoever runs it.
 * What the image would lack (a file not copied, a dev dependency needed at run time) fails here.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Stage {
  name: string;
  dir: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
  /** The USER the stage's commands and ENTRYPOINT run as; the base images run as root. */
  user: string;
}

function parseJsonArray(text: string): string[] {
  return JSON.parse(text) as string[];
}

/** Executes the Dockerfile's instructions that matter outside an engine; returns the final stage. */
function replayDockerfile(scratch: string): Stage {
  const stages = new Map<string, Stage>();
  let stage: Stage | undefined;
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    switch (instruction) {
      case 'FROM': {
        const name = /\bAS\s+(\S+)/i.exec(args)?.[1] ?? `stage${stages.size}`;
        stage = { name, dir: join(scratch, name), workdir: '/', env: {}, entrypoint: [], cmd: [], user: 'root' };
        mkdirSync(stage.dir, { recursive: true });
        stages.set(name, stage);
        break;
      }
      case 'WORKDIR':
        stage!.workdir = args;
        mkdirSync(join(stage!.dir, args), { recursive: true });
        break;
      case 'ENV': {
        const [key, value] = args.split('=');
        stage!.env[key!] = value!;
        break;
      }
      case 'COPY': {
        const from = /^--from=(\S+)\s+/.exec(args);
        const paths = (from ? args.slice(from[0].length) : args).split(/\s+/);
        const dest = paths.pop()!;
        const source = from ? stages.get(from[1]!)! : undefined;
        const destDir = join(stage!.dir, dest.startsWith('/') ? dest : join(stage!.workdir, dest));
        for (const path of paths) {
          const src = source ? join(source.dir, path.startsWith('/') ? path : join(source.workdir, path)) : join(ROOT, path);
          const target = dest.endsWith('/') || paths.length > 1 ? join(destDir, path.split('/').pop()!) : destDir;
          mkdirSync(dirname(target), { recursive: true });
          cpSync(src, target, { recursive: true, filter: (p) => !p.includes('/node_modules/.cache') });
        }
        break;
      }
      case 'RUN':
        execFileSync('sh', ['-c', args], { cwd: join(stage!.dir, stage!.workdir), stdio: 'pipe', env: { ...process.env, ...stage!.env }, timeout: 600_000 });
        break;
      case 'ENTRYPOINT':
        stage!.entrypoint = parseJsonArray(args);
        break;
      case 'CMD':
        stage!.cmd = parseJsonArray(args);
        break;
      case 'USER':
        stage!.user = args;
        break;
      default:
        break;
    }
  }
  return stage!;
}

/** uids of the users the base image (node:22-bookworm-slim) defines. */
const BASE_IMAGE_UIDS: Record<string, number> = { root: 0, node: 1000 };

/** The image's USER as uid and gid, to start its services as; undefined when this test cannot switch users. */
function imageIdentity(user: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const [name, group] = user.split(':');
  const id = (value: string) => BASE_IMAGE_UIDS[value] ?? Number(value);
  return { uid: id(name!), gid: id(group ?? name!) };
}

let scratch: string;
let image: Stage;
let redis: TestRedis;

test.before(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'agentfleet-image-'));
  // The image's files are root's and readable by all, as COPY leaves them; the services' user reads them.
  chmodSync(scratch, 0o755);
  image = replayDockerfile(scratch);
  redis = await startRedis();
});

test.after.always(async () => {
  await redis?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** `docker run IMAGE [args]`: the ENTRYPOINT with `args`, or with the CMD when there are none. */
function startService(args: string[], env: Record<string, string>) {
  const [command, ...entry] = image.entrypoint;
  if (args.length === 0) args = image.cmd;
  const cwd = join(image.dir, image.workdir);
  const child = spawn(command === 'node' ? process.execPath : command!, [...entry, ...args], {
    cwd,
    ...imageIdentity(image.user),
    env: { PATH: process.env.PATH ?? '', ...image.env, REDIS_URL: redis.url, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, output: () => output, stop };
}

test.serial('the image holds only compiled code and production dependencies', (t) => {
  const cwd = join(image.dir, image.workdir);
  t.throws(() => readFileSync(join(cwd, 'services', 'cli', 'main.ts')), undefined, 'no TypeScript sources');
  const lua = join(cwd, 'dist', 'services', 'core', 'run', 'lua');
  t.truthy(readFileSync(join(lua, 'transition-runs.lua'), 'utf8'), 'the Lua scripts are copied');
  t.truthy(readFileSync(join(lua, 'includes', 'run-events.lua'), 'utf8'), 'with the code they include');
  t.throws(() => readFileSync(join(cwd, 'node_modules', 'cdktf', 'package.json')), undefined, 'cdktf is pruned');
  t.throws(() => readFileSync(join(cwd, 'node_modules', 'ava', 'package.json')), undefined, 'test tools are pruned');
});

test.serial('the image runs as a non-root user', (t) => {
  const [user, group] = image.user.split(':');
  t.notRegex(user!, /^(root|0)$/, `USER is ${image.user}`);
  t.true(group === undefined || !/^(root|0)$/.test(group), `group of ${image.user}`);
  // node:22-bookworm-slim creates the unprivileged user node (uid 1000); the image uses it.
  t.true(['node', '1000'].includes(user!), `USER is ${image.user}`);
  const identity = imageIdentity(image.user);
  if (!identity) return t.log('not root: the services start as the user running this test');
  const probe = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.getuid()))'], { ...identity, cwd: join(image.dir, image.workdir), encoding: 'utf8' });
  t.is(probe.stdout, '1000', 'the services below start as that user');
});

test.serial('the image starts the api, which answers /readyz', async (t) => {
  const port = await freePort();
  const api = startService(['api'], { PORT: String(port), AGENTFLEET_BOOTSTRAP_KEYS: 'image:image-test-key-0123456789' });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'the api in the image', 60_000);
    const response = await fetch(`http://127.0.0.1:${port}/v1/runs`, {
      method: 'POST',
      headers: { authorization: 'Bearer image-test-key-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'simulate', input: { durationMs: 1 } }),
    });
    t.is(response.status, 202);
  } finally {
    await api.stop();
  }
});

test.serial('the image runs a worker by default, which executes a run submitted to the api', async (t) => {
  const port = await freePort();
  const key = 'image-test-key-0123456789';
  const api = startService(['api'], { PORT: String(port), AGENTFLEET_BOOTSTRAP_KEYS: `image:${key}` });
  const worker = startService([], { WORKER_SLOTS: '2' });
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, 'the api in the image', 60_000);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = (await (
      await fetch(`http://127.0.0.1:${port}/v1/runs`, { method: 'POST', headers, body: JSON.stringify({ agent: 'simulate', input: { durationMs: 10, output: 'from the image' } }) })
    ).json()) as { id: string };
    let run: { status: string; result: unknown } | undefined;
    await waitFor(async () => {
      run = (await (await fetch(`http://127.0.0.1:${port}/v1/runs/${created.id}`, { headers })).json()) as typeof run;
      return run?.status === 'succeeded';
    }, 'the run to succeed on the image\'s worker', 60_000);
    t.is(run?.result, 'from the image');
  } finally {
    await Promise.all([worker.stop(), api.stop()]);
  }
  t.is(worker.child.exitCode, 0, worker.output());
});

test.serial('the image starts the scaler', async (t) => {
  const scaler = startService(['scaler', '--local', '--min-workers', '1', '--max-workers', '1'], { WORKER_SLOTS: '1', SCALER_TICK_SECONDS: '1' });
  const client = new Redis(redis.url);
  try {
    await waitFor(async () => (await client.hlen('af:workers')) > 0 && /scaler/i.test(scaler.output()), 'the scaler in the image to start its local worker', 60_000);
    t.pass();
  } finally {
    await scaler.stop();
    client.disconnect();
  }
});
