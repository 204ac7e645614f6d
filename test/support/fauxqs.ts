import { startFauxqs } from 'fauxqs';

/** The fauxqs SQS-protocol server in this process on a free loopback port, with a queue and its DLQ. */
export interface TestSqs {
  endpoint: string;
  queueUrl: string;
  /** Runs with a priority above 0 go here (SQS_HIGH_PRIORITY_QUEUE_URL); same redrive to the DLQ. */
  highPriorityQueueUrl: string;
  dlqUrl: string;
  stop(): Promise<void>;
}

export async function startSqs(options: { visibilityTimeout?: number; maxReceiveCount?: number } = {}): Promise<TestSqs> {
  const server = await startFauxqs({ port: 0, logger: false });
  const name = `runs-${process.pid}-${Date.now()}`;
  const dlq = server.createQueue(`${name}-dlq`);
  const attributes = {
    VisibilityTimeout: String(options.visibilityTimeout ?? 30),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: options.maxReceiveCount ?? 5 }),
  };
  const queue = server.createQueue(name, { attributes });
  const high = server.createQueue(`${name}-high`, { attributes });
  return { endpoint: server.address, queueUrl: queue.queueUrl, highPriorityQueueUrl: high.queueUrl, dlqUrl: dlq.queueUrl, stop: () => server.stop() };
}
