// `agentfleet worker` as a child process, for tests that kill a worker: startWorker with the
// environment it is given, "ready" on stdout once it pulls, a clean drain on SIGTERM.
import { loadConfig } from '../../../services/core/config.js';
import { createLogger } from '../../../services/core/logger.js';
import { startWorker } from '../../../services/worker/main.js';

const config = loadConfig(process.env);
const worker = await startWorker(config, createLogger('worker', config.LOG_LEVEL));
process.stdout.write(`${JSON.stringify({ ready: worker.id, metricsUrl: worker.metricsUrl ?? null })}\n`);
process.on('SIGTERM', () => {
  void worker.stop('SIGTERM').then(() => process.exit(0));
});
void worker.closed.then(() => process.exit(0));
