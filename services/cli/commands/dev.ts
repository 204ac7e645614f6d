import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { loadAgentCatalog } from '../../core/agents/catalog.js';
import { freePort } from '../../core/free-port.js';
import { configFromEnv, environmentVariables, onShutdownSignal } from '../process-config.js';
import { ServiceProcess } from '../../core/service-process.js';
import { CliError } from '../cli-error.js';
import { agentsFileOrExamples } from '../example-agents.js';

/**
 * `agentfleet dev`: the whole platform on one machine, as child processes of this one: the API and
 * the scaler, which runs the local worker fleet (`agentfleet scaler --local`: worker processes of
 * `--slots` slots each, between `--min-workers` and `--max-workers`, grown by a burst and shrunk back
 * when the queue drains). Config comes from the environment like in production; this command only
 * fills in what a laptop lacks (a port, an API key, the example agents, a quick scaler tick).
 */

/** `tenant:key` of the dev API key, kept between runs so scripts and `agentfleet submit` keep working. */
export const DEV_KEY_FILE = '.dev/api-key';
/** The local fleet is cheap to look at: decide every 2 s unless SCALER_TICK_SECONDS says otherwise. */
const LOCAL_TICK_SECONDS = '2';

function devKey(): string {
  if (existsSync(DEV_KEY_FILE)) return readFileSync(DEV_KEY_FILE, 'utf8').trim();
  const pair = `dev:af_dev_${randomBytes(18).toString('base64url')}`;
  mkdirSync(dirname(DEV_KEY_FILE), { recursive: true });
  writeFileSync(DEV_KEY_FILE, `${pair}\n`, { mode: 0o600 });
  return pair;
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
    .description('run the API and the scaler with a local worker fleet (BullMQ on REDIS_URL); prints the URL and a dev API key')
    .option('--port <n>', 'API port (0 picks a free one)')
    .option('--slots <n>', 'slots per worker process (WORKER_SLOTS)')
    .option('--min-workers <n>', 'fewest worker processes (LOCAL_MIN_WORKERS, default 1)')
    .option('--max-workers <n>', 'most worker processes (LOCAL_MAX_WORKERS, default 4)')
    .action(async (flags: { port?: string; slots?: string; minWorkers?: string; maxWorkers?: string }) => {
      const inherited = environmentVariables();
      const config = configFromEnv({ PORT: flags.port, WORKER_SLOTS: flags.slots });
      const keyPair = config.AGENTFLEET_BOOTSTRAP_KEYS.length > 0 ? undefined : devKey();
      const port = config.PORT === 0 ? await freePort(config.HOST) : config.PORT;
      const agentsFile = agentsFileOrExamples(config.AGENTS_FILE);
      const env: NodeJS.ProcessEnv = {
        ...inherited,
        HOST: config.HOST,
        PORT: String(port),
        WORKER_SLOTS: String(config.WORKER_SLOTS),
        SCALER_TICK_SECONDS: inherited.SCALER_TICK_SECONDS || LOCAL_TICK_SECONDS,
        ...(flags.minWorkers ? { LOCAL_MIN_WORKERS: flags.minWorkers } : {}),
        ...(flags.maxWorkers ? { LOCAL_MAX_WORKERS: flags.maxWorkers } : {}),
        ...(keyPair ? { AGENTFLEET_BOOTSTRAP_KEYS: keyPair } : {}),
        ...(agentsFile ? { AGENTS_FILE: agentsFile } : {}),
      };
      // Every child would fail on a bad agents file: say so once, before starting any of them.
      loadAgentCatalog(env.AGENTS_FILE);

      const api = new ServiceProcess('api', ['api'], env);
      const scaler = new ServiceProcess('scaler', ['scaler', '--local'], env);
      const children = [api, scaler];
      // The scaler stops its workers, which drain for up to SHUTDOWN_GRACE_SECONDS: give it longer.
      const graceMs = (config.SHUTDOWN_GRACE_SECONDS + 15) * 1000;
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
        `\nagentfleet dev is ready\n  API      ${url}\n  console  ${url}/ui (sign in with the API key)\n  API key  ${key}\n  workers  ${config.WORKER_SLOTS} slots each, scaled by the scaler (GET ${url}/v1/fleet), queue ${config.QUEUE_DRIVER}\n` +
          `  try      curl -s -X POST ${url}/v1/runs -H 'authorization: Bearer ${key}' -H 'content-type: application/json' -d '{"agent":"simulate","input":{"durationMs":200}}'\n\n`,
      );
    });
}
