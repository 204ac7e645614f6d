import type { Command } from 'commander';
import { createLogger } from '../../core/logger.js';
import { configFromEnv, onShutdownSignal } from '../process-config.js';

/** `agentfleet api` and `agentfleet worker`: the long-running services, configured by environment (DESIGN §4). */
export function registerServiceCommands(program: Command): void {
  program
    .command('api')
    .description('serve the HTTP API (HOST, PORT, REDIS_URL, QUEUE_DRIVER, ...; per-tenant limits from AGENTFLEET_ENV\'s config)')
    .option('--port <n>', 'port to listen on (overrides PORT)')
    .action(async (options: { port?: string }) => {
      const config = configFromEnv({ PORT: options.port });
      const logger = createLogger('api', config.LOG_LEVEL);
      const { startApi } = await import('../../api/server.js');
      const { loadEnvironment } = await import('../../../environments/index.js');
      // The limits live in the environment's config with everything else that differs per environment.
      const api = await startApi(config, logger, loadEnvironment(config.AGENTFLEET_ENV).api.limits);
      logger.info({ url: api.url }, 'api listening');
      onShutdownSignal(async () => api.close());
    });

  program
    .command('worker')
    .description('execute runs from the queue in WORKER_SLOTS slots (drains on SIGTERM)')
    .option('--slots <n>', 'number of slots (overrides WORKER_SLOTS)')
    .action(async (options: { slots?: string }) => {
      const config = configFromEnv({ WORKER_SLOTS: options.slots });
      const logger = createLogger('worker', config.LOG_LEVEL);
      const { startWorker } = await import('../../worker/main.js');
      const worker = await startWorker(config, logger);
      onShutdownSignal(async (signal) => worker.stop(signal));
    });
}
