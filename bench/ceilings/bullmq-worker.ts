import { Worker } from 'bullmq';
import { announce, serveRequests } from '../harness/ipc.js';

/**
 * The worker ceiling: a bare BullMQ Worker whose processor does nothing, at the same concurrency as
 * the agentfleet worker's slots. Jobs that carry `enqueuedNs` (process.hrtime.bigint() of the
 * sender, a clock every process on the machine shares) have their dispatch latency recorded;
 * `latencies` hands them over. argv: REDIS_URL QUEUE_NAME CONCURRENCY.
 */
const [redisUrl, queueName, concurrencyText] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
if (!redisUrl || !queueName || !(concurrency > 0)) throw new Error('usage: bullmq-worker.ts REDIS_URL QUEUE_NAME CONCURRENCY');

let latenciesMs: number[] = [];

const worker = new Worker<{ body: string; enqueuedNs?: string }>(
  queueName,
  async (job) => {
    const startedNs = process.hrtime.bigint();
    if (job.data.enqueuedNs !== undefined) latenciesMs.push(Number(startedNs - BigInt(job.data.enqueuedNs)) / 1e6);
    return null;
  },
  {
    connection: { url: redisUrl, maxRetriesPerRequest: null },
    concurrency,
    skipVersionCheck: true,
    removeOnComplete: { count: 0 },
  },
);
worker.on('error', (error) => process.stderr.write(`bullmq worker error: ${error.message}\n`));
await worker.waitUntilReady();

serveRequests(
  {
    latencies: () => {
      const taken = latenciesMs;
      latenciesMs = [];
      return taken;
    },
  },
  { keepAlive: true },
);
announce({ type: 'ready' });
process.once('SIGTERM', () => {
  void worker.close().finally(() => process.exit(0));
});
