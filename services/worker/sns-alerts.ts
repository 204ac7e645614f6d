import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '../core/logger.js';
import { alertSummary, type AlertPublisher, type BreakerAlert } from './breaker-alert.js';

export interface SnsAlertsOptions {
  topicArn: string;
  region: string;
  /** An SNS-compatible endpoint (AWS_ENDPOINT_URL, emulators). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Called when a publish failed (after the SDK's retries): the worker counts it on /metrics. */
  onFailure?: () => void;
}

/** SNS caps subjects at 100 characters. */
const MAX_SUBJECT = 100;
/** A hung SNS call must not hold an alert (or the worker's shutdown) for long. */
const REQUEST_TIMEOUT_MS = 5_000;

/**
 * Publishes breaker alerts to an SNS topic in the background: the worker's loop never waits for SNS,
 * and a failed publish is logged and counted, never thrown. The message is the alert as JSON, for
 * subscribers that route on its fields.
 */
export class SnsAlerts implements AlertPublisher {
  private readonly client: SNSClient;
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly options: SnsAlertsOptions,
    private readonly logger: Logger,
  ) {
    this.client = new SNSClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      requestHandler: { requestTimeout: REQUEST_TIMEOUT_MS, connectionTimeout: REQUEST_TIMEOUT_MS },
    });
  }

  publish(alert: BreakerAlert): void {
    const sending = this.send(alert).finally(() => this.pending.delete(sending));
    this.pending.add(sending);
  }

  /** Waits for publishes in flight, then lets the client go. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.client.destroy();
  }

  private async send(alert: BreakerAlert): Promise<void> {
    try {
      await this.client.send(
        new PublishCommand({
          TopicArn: this.options.topicArn,
          Subject: alertSummary(alert).slice(0, MAX_SUBJECT),
          Message: JSON.stringify(alert),
          MessageAttributes: { alert: { DataType: 'String', StringValue: alert.alert } },
        }),
      );
    } catch (error) {
      this.logger.warn({ err: error, alert: alert.alert, agent: alert.agent, topicArn: this.options.topicArn }, 'could not publish the alert to SNS');
      this.options.onFailure?.();
    }
  }
}
