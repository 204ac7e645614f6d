import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { policyDocument, type PolicyStatement } from '../lib/iam.js';

export interface AlertsProps {
  /** Topic name; also the prefix of the alarm. */
  name: string;
  accountId: string;
  /** Value of the `Environment` dimension the workers publish. */
  environment: string;
  /** Who is notified: protocol (`email`, `https`, `sqs`, `lambda`) and endpoint. */
  subscribers: { protocol: string; endpoint: string }[];
  partition: string;
  /** Alarm when failed / finished attempts exceed this share over the window (the circuit breaker's numbers). */
  errorRatePercent: number;
  windowSeconds: number;
  /** Names of the metrics the workers publish (EMF lines in their logs); the alarm reads them. */
  metrics: RunMetricNames;
}

export interface RunMetricNames {
  namespace: string;
  failedAttempts: string;
  finishedAttempts: string;
  /** Dimension whose value is `environment`. */
  dimension: string;
}

/**
 * The operators' channel: one SNS topic, encrypted with its own KMS key, that alarms and budgets
 * publish to (subscribers from the config), and the error-rate alarm mirroring the workers' circuit
 * breaker, so a tripped breaker also pages someone. A customer managed key, because CloudWatch alarms
 * cannot publish to a topic under the AWS managed `aws/sns` key.
 */
export class Alerts extends Construct {
  readonly topicArn: string;
  /** The topic's KMS key: a publisher needs kms:GenerateDataKey* and kms:Decrypt on it. */
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const publishers = ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'];
    const key = new KmsKey(this, 'key', {
      description: `Encrypts the ${props.name} topic`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: policyDocument([
        {
          sid: 'AccountAdministersTheKey',
          principals: { AWS: [`arn:${props.partition}:iam::${props.accountId}:root`] },
          actions: ['kms:*'],
          resources: ['*'],
        },
        {
          sid: 'AlarmsAndBudgetsEncryptMessages',
          principals: { Service: publishers },
          actions: ['kms:GenerateDataKey*', 'kms:Decrypt'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });
    const topic = new SnsTopic(this, 'topic', { name: props.name, kmsMasterKeyId: key.arn });
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: topic.arn,
      policy: policyDocument([
        {
          sid: 'AlarmsAndBudgetsPublish',
          principals: { Service: publishers },
          actions: ['sns:Publish'],
          resources: [topic.arn],
          conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });
    props.subscribers.forEach((subscriber, i) => {
      new SnsTopicSubscription(this, `subscriber-${i}`, { topicArn: topic.arn, protocol: subscriber.protocol, endpoint: subscriber.endpoint });
    });

    const period = 60;
    const dimensions = { [props.metrics.dimension]: props.environment };
    new CloudwatchMetricAlarm(this, 'error-rate', {
      alarmName: `${props.name}-run-error-rate`,
      alarmDescription: `Over ${props.errorRatePercent}% of run attempts failed for ${props.windowSeconds} s, whatever the cause (agents or platform); the workers' own breaker alerts say which breaker opened.`,
      comparisonOperator: 'GreaterThanThreshold',
      threshold: props.errorRatePercent,
      evaluationPeriods: Math.max(1, Math.ceil(props.windowSeconds / period)),
      treatMissingData: 'notBreaching',
      alarmActions: [topic.arn],
      okActions: [topic.arn],
      metricQuery: [
        {
          id: 'failed',
          returnData: false,
          metric: { namespace: props.metrics.namespace, metricName: props.metrics.failedAttempts, dimensions, stat: 'Sum', period },
        },
        {
          id: 'finished',
          returnData: false,
          metric: { namespace: props.metrics.namespace, metricName: props.metrics.finishedAttempts, dimensions, stat: 'Sum', period },
        },
        { id: 'error_rate', label: 'failed attempts %', expression: 'IF(finished > 0, 100 * failed / finished, 0)', returnData: true },
      ],
    });
    this.topicArn = topic.arn;
    this.keyArn = key.arn;
  }

  /** What a role needs to publish to the topic (the workers' breaker alerts): the topic, and its key. */
  publisherStatements(): PolicyStatement[] {
    return [
      { sid: 'PublishAlerts', actions: ['sns:Publish'], resources: [this.topicArn] },
      { sid: 'EncryptAlerts', actions: ['kms:GenerateDataKey*', 'kms:Decrypt'], resources: [this.keyArn] },
    ];
  }
}
