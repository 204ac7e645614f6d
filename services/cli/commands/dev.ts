import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { configFromEnv, onShutdownSignal } from '../process-config.js';
import { ServiceProcess } from '../children.js';
import { CliError } from '../cli-error.js';

/**
 * `agentfleet dev`: the whole platform on one machine, as child processes of this one: the API and
 * the worker fleet. Config comes from the environment like in production; this command only fills
 * in what a laptop lacks (a port, an API key, the example agents).
 */

/** `tenant:key` of the dev API key, kept between runs so scripts and `agentfleet submit` keep working. */
export const DEV_KEY_FILE = '.dev/api-key';
const EXAMPLE_AGENTS = 'examples/agents/agents.json';

function devKey(): string {
  if (existsSync(DEV_KEY_FILE)) return readFileSync(DEV_KEY_FILE, 'utf8').trim();
  const pair = `dev:af_dev_${randomBytes(18).toString('base64url')}`;
  mkdirSync(dirname(DEV_KEY_FILE), { recursive: true });
  writeFileSync(DEV_KEY_FILE, `${pair}\n`, { mode: 0o600 });
  return pair;
}

async function freePort(host: string): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().once('error', fail);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

async function waitUntilReady(url: string, child: ServiceProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!child.running) throw new CliError(`the ${child.name} process exited during start-up (see its log above)`, 1);
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError(`the API at ${url} was not ready after ${timeoutMs / 1000}s`, 1);
}

export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run the API and a worker locally (BullMQ on REDIS_URL); prints the URL and a dev API key')
    .option('--port <n>', 'API port (0 picks a free one)')
    .option('--slots <n>', 'worker slots')
    .action(async (flags: { port?: string; slots?: string }) => {
      const config = configFromEnv({ PORT: flags.port, WORKER_SLOTS: flags.slots });
      const keyPair = config.AGENTFLEET_BOOTSTRAP_KEYS.length > 0 ? undefined : devKey();
      const port = config.PORT === 0 ? await freePort(config.HOST) : config.PORT;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOST: config.HOST,
        PORT: String(port),
        WORKER_SLOTS: String(config.WORKER_SLOTS),
        ...(keyPair ? { AGENTFLEET_BOOTSTRAP_KEYS: keyPair } : {}),
        ...(!config.AGENTS_FILE && existsSync(EXAMPLE_AGENTS) ? { AGENTS_FILE: resolve(EXAMPLE_AGENTS) } : {}),
      };

      const api = new ServiceProcess('api', ['api'], env);
      const worker = new ServiceProcess('worker', ['worker'], env);
      const children = [api, worker];
      const graceMs = (config.SHUTDOWN_GRACE_SECONDS + 5) * 1000;
      let stopping = false;
      const stopAll = async () => {
        stopping = true;
        await Promise.all(children.map((child) => child.stop(graceMs)));
      };
      onShutdownSignal(stopAll);
      for (const child of children) {
        void child.exited.then(async (code) => {
          if (stopping) return;
          process.stderr.write(`agentfleet dev: ${child.name} exited (${code ?? 'signal'}); stopping the rest\n`);
          await stopAll();
          process.exit(1);
        });
      }

      const url = `http://${config.HOST}:${port}`;
      await waitUntilReady(url, api);
      const key = keyPair ? keyPair.split(':').slice(1).join(':') : '(from AGENTFLEET_BOOTSTRAP_KEYS)';
      process.stdout.write(
        `\nagentfleet dev is ready\n  API      ${url}\n  API key  ${key}\n  worker   ${config.WORKER_SLOTS} slots, queue ${config.QUEUE_DRIVER}\n` +
          `  try      curl -s -X POST ${url}/v1/runs -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d '{"agent":"simulate","input":{"durationMs":200}}'\n\n`,
      );
    });
}
