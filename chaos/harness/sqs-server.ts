import { startFauxqs } from 'fauxqs';
import type { EnvironmentConfig } from '../../environments/index.js';

/**
 * An SQS-protocol server (fauxqs) on a free loopback port, in the runner's process, with a run queue
 * and its dead-letter queue: the production queue's stand-in, apart from Redis, so a scenario can
 * lose Redis and keep the queue. The queue gets the attributes an environment's stack gives it; the
 * workers keep their own defaults (VISIBILITY_SECONDS is not set here).
 */

export interface ScenarioSqs {
  endpoint: string;
  queueUrl: string;
  dlqUrl: string;
  /** The variables that point agentfleet at it. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSqs(queueSettings: Pick<EnvironmentConfig['queue'], 'visibilityTimeoutSeconds' | 'maxReceiveCount'>): Promise<ScenarioSqs> {
  const server = await startFauxqs({ port: 0, logger: false });
  const name = `chaos-runs-${process.pid}-${Date.now()}`;
  const dlq = server.createQueue(`${name}-dlq`);
  const queue = server.createQueue(name, {
    attributes: {
      VisibilityTimeout: String(queueSettings.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: queueSettings.maxReceiveCount }),
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
    },
    stop: () => server.stop(),
  };
}
