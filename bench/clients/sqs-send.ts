import { Agent as HttpAgent } from 'node:http';
import { PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { loadConfig } from '../../services/core/config.js';
import { createLogger } from '../../services/core/logger.js';
import { createQueueDriver } from '../../services/core/queue/index.js';
import { runClosedLoop } from '../harness/closed-loop.js';
import { announce, serveRequests } from '../harness/ipc.js';
import { sampleRunMessage } from '../harness/sample-message.js';

/**
 * One process on the server CPU that sends run messages to fauxqs two ways, on request:
 * - `driver`: the SQS queue driver's `send`, one message per call, `inFlight` calls at a time (what
 *   the API does per accepted run);
 * - `raw`: the ceiling, bare SendMessageBatch calls of 10 messages, `inFlight / 10` at a time, on an
 *   SQS client with the driver's connection settings.
 * argv: ENDPOINT QUEUE_URL DLQ_URL.
 */
const [endpoint, queueUrl, dlqUrl] = process.argv.slice(2);
if (!endpoint || !queueUrl || !dlqUrl) throw new Error('usage: sqs-send.ts ENDPOINT QUEUE_URL DLQ_URL');

const REGION = 'us-east-1';
const BATCH = 10;
const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
const logger = createLogger('bench-sqs-send', 'warn');
const driver = createQueueDriver(
  loadConfig({ QUEUE_DRIVER: 'sqs', SQS_QUEUE_URL: queueUrl, SQS_DLQ_URL: dlqUrl, AWS_ENDPOINT_URL: endpoint, AWS_REGION: REGION }),
  { logger, sqsCredentials: credentials },
);
const client = new SQSClient({
  region: REGION,
  endpoint,
  credentials,
  requestHandler: { httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 256 }), connectionTimeout: 3_000 },
});
let sequence = 0;

interface LoopRequest {
  inFlight: number;
  durationMs: number;
}

serveRequests(
  {
    driver: async (payload) => {
      const { inFlight, durationMs } = payload as LoopRequest;
      return runClosedLoop(inFlight, durationMs, () => driver.send(sampleRunMessage(++sequence)));
    },
    raw: async (payload) => {
      const { inFlight, durationMs } = payload as LoopRequest;
      const send = async () => {
        const Entries = Array.from({ length: BATCH }, (_, index) => ({ Id: String(index), MessageBody: sampleRunMessage(++sequence) }));
        const output = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries }));
        if (output.Failed && output.Failed.length > 0) throw new Error(`SendMessageBatch refused ${output.Failed.length} entries: ${output.Failed[0]?.Message}`);
      };
      return runClosedLoop(Math.max(1, Math.round(inFlight / BATCH)), durationMs, send, BATCH);
    },
    purge: async () => {
      await client.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
      return null;
    },
  },
  { keepAlive: true },
);
announce({ type: 'ready' });
process.once('SIGTERM', () => {
  void driver.close().finally(() => process.exit(0));
});
