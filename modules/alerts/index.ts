import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { SnsTopicPolicy } from '@cdktf/provider-aws/lib/sns-topic-policy/index.js';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription/index.js';
import { policyDocument } from '../lib/iam.js';

export interface AlertsProps {
  /** Topic name; also the prefix of the alarm. */
  name: string;
  accountId: string;
  /** Value of the `Environment` dimension the workers publish. */
  environment: string;
  emails: string[];
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
 * The operators' channel: one SNS topic that alarms and budgets publish to (email subscriptions from
 * the config; anything else can subscribe), and the error-rate alarm mirroring the workers' circuit
 * breaker, so a tripped breaker also pages someone.
 */
export class Alerts extends Construct {
  readonly topicArn: string;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    const topic = new SnsTopic(this, 'topic', { name: props.name });
    new SnsTopicPolicy(this, 'topic-policy', {
      arn: topic.arn,
      policy: policyDocument([
        {
          sid: 'AlarmsAndBudgetsPublish',
          principals: { Service: ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com'] },
          actions: ['sns:Publish'],
          resources: [topic.arn],
          conditions: { StringEquals: { 'aws:SourceAccount': props.accountId } },
        },
      ]),
    });
    props.emails.forEach((email, i) => {
      new SnsTopicSubscription(this, `email-${i}`, { topicArn: topic.arn, protocol: 'email', endpoint: email });
    });

    const period = 60;
    const dimensions = { [props.metrics.dimension]: props.environment };
    new CloudwatchMetricAlarm(this, 'error-rate', {
      alarmName: `${props.name}-run-error-rate`,
      alarmDescription: `Over ${props.errorRatePercent}% of run attempts failed for ${props.windowSeconds} s: workers have opened their circuit breakers.`,
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
  }
}
