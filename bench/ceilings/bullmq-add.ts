import { Queue } from 'bullmq';
import { runClosedLoop } from '../harness/closed-loop.js';
import { announce, serveRequests } from '../harness/ipc.js';
import { sampleRunMessage } from '../harness/sample-message.js';

/**
 * Raw BullMQ `Queue.add` at a fixed number of adds in flight: what Redis and BullMQ alone accept,
 * with the job shape the BullMQ driver uses ({body} named "run"). argv: REDIS_URL QUEUE_NAME.
 */
const [redisUrl, queueName] = process.argv.slice(2);
if (!redisUrl || !queueName) throw new Error('usage: bullmq-add.ts REDIS_URL QUEUE_NAME');

const queue = new Queue(queueName, {
  connection: { url: redisUrl, maxRetriesPerRequest: null },
  skipVersionCheck: true,
  defaultJobOptions: { attempts: 1, removeOnComplete: true },
});
await queue.waitUntilReady();
let sequence = 0;

serveRequests(
  {
    run: async (payload) => {
      const { concurrency, durationMs } = payload as { concurrency: number; durationMs: number };
      return runClosedLoop(concurrency, durationMs, () => queue.add('run', { body: sampleRunMessage(++sequence) }));
    },
  },
  { keepAlive: true },
);
announce({ type: 'ready' });
process.once('SIGTERM', () => {
  void queue.close().finally(() => process.exit(0));
});
