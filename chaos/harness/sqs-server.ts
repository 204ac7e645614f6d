import { startFauxqs } from 'fauxqs';

/**
 * An SQS-protocol server (fauxqs) on a free loopback port, in the runner's process, with a run queue
 * and its dead-letter queue: the production queue's stand-in, apart from Redis, so a scenario can
 * lose Redis and keep the queue.
 */

export interface ScenarioSqs {
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  /** The variables that point agentfleet at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSqs(options: { visibilitySeconds: number; maxReceiveCount: number }): Promise<ScenarioSqs> {
  const server = await startFauxqs({ port: 0, logger: false });
  const name = `chaos-runs-${process.pid}-${Date.now()}`;
  const dlq = server.createQueue(`${name}-dlq`);
  const queue = server.createQueue(name, {
    attributes: {
      VisibilityTimeout: String(options.visibilitySeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: options.maxReceiveCount }),
    },
  });
  const endpoint = `http://127.0.0.1:${server.port}`;
  return {
    endpoint,
    queueUrl: queue.queueUrl,
    dlqUrl: dlq.queueUrl,
    env: {
      QUEUE_DRIVER: 'sqs',
      SQS_QUEUE_URL: queue.queueUrl,
      SQS_DLQ_URL: dlq.queueUrl,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: 'us-east-1',
      // fauxqs accepts any credentials; these keep the SDK from looking for real ones.
      AWS_ACCESS_KEY_ID: 'chaos',
      AWS_SECRET_ACCESS_KEY: 'chaos',
      VISIBILITY_SECONDS: String(options.visibilitySeconds),
    },
    stop: () => server.stop(),
  };
}
