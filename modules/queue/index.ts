import { Construct } from 'constructs';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue/index.js';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy/index.js';
import { denyInsecureTransport, policyDocument } from '../lib/iam.js';

export interface QueueProps {
  name: string;
  /** The queue for runs with a priority above 0, which workers drain first. */
  highPriorityName: string;
  deadLetterName: string;
  retentionSeconds: number;
  visibilityTimeoutSeconds: number;
  /** Receives before SQS moves a message to the DLQ. */
  maxReceiveCount: number;
  receiveWaitSeconds: number;
  deadLetterRetentionSeconds: number;
  alarms: {
    oldestMessageAgeSeconds: number;
    deadLetterDepth: number;
    /** SNS topic notified on alarm and on recovery. */
    topicArn: string;
  };
}

/**
 * The run queue: an SQS standard queue (throughput without limits; duplicates are the run store's job),
 * its dead-letter queue (redrive after `maxReceiveCount` receives), encryption at rest with SQS-managed keys
 * (no KMS cost or key policy), TLS required, and alarms on waiting time and on anything dead-lettered.
 * A second queue, the same in every setting and with its own redrive policy, takes runs with a
 * priority above 0; workers receive from it first. Both redrive to the one dead-letter queue, where
 * the workers also put poison explicitly: one place and one alarm for everything dead-lettered.
 */
export class Queue extends Construct {
  readonly url: string;
  readonly arn: string;
  readonly highPriorityUrl: string;
  readonly highPriorityArn: string;
  readonly deadLetterUrl: string;
  readonly deadLetterArn: string;

  constructor(scope: Construct, id: string, props: QueueProps) {
    super(scope, id);
    const deadLetter = new SqsQueue(this, 'dead-letter', {
      name: props.deadLetterName,
      messageRetentionSeconds: props.deadLetterRetentionSeconds,
      sqsManagedSseEnabled: true,
    });
    const runQueue = (id: string, name: string) =>
      new SqsQueue(this, id, {
        name,
        messageRetentionSeconds: props.retentionSeconds,
        visibilityTimeoutSeconds: props.visibilityTimeoutSeconds,
        receiveWaitTimeSeconds: props.receiveWaitSeconds,
        sqsManagedSseEnabled: true,
        redrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount: props.maxReceiveCount }),
      });
    const queue = runQueue('queue', props.name);
    const highPriority = runQueue('high-priority', props.highPriorityName);
    const policies = [['queue-policy', queue], ['high-priority-policy', highPriority], ['dead-letter-policy', deadLetter]] as const;
    for (const [policyId, target] of policies) {
      new SqsQueuePolicy(this, policyId, {
        queueUrl: target.url,
        policy: policyDocument([denyInsecureTransport(['sqs:*'], [target.arn])]),
      });
    }

    const actions = { alarmActions: [props.alarms.topicArn], okActions: [props.alarms.topicArn] };
    for (const [alarmId, queueName] of [['oldest-message-age', props.name], ['high-priority-oldest-message-age', props.highPriorityName]] as const) {
      new CloudwatchMetricAlarm(this, alarmId, {
        alarmName: `${queueName}-oldest-message-age`,
        alarmDescription: `Runs have waited over ${props.alarms.oldestMessageAgeSeconds} s to start: the fleet is not keeping up.`,
        namespace: 'AWS/SQS',
        metricName: 'ApproximateAgeOfOldestMessage',
        dimensions: { QueueName: queueName },
        statistic: 'Maximum',
        period: 60,
        evaluationPeriods: 3,
        threshold: props.alarms.oldestMessageAgeSeconds,
        comparisonOperator: 'GreaterThanThreshold',
        treatMissingData: 'notBreaching',
        ...actions,
      });
    }
    new CloudwatchMetricAlarm(this, 'dead-letter-depth', {
      alarmName: `${props.deadLetterName}-depth`,
      alarmDescription: 'Messages reached the dead-letter queue: poison or crash-looping runs need a look.',
      namespace: 'AWS/SQS',
      metricName: 'ApproximateNumberOfMessagesVisible',
      dimensions: { QueueName: props.deadLetterName },
      statistic: 'Maximum',
      period: 60,
      evaluationPeriods: 1,
      threshold: props.alarms.deadLetterDepth,
      comparisonOperator: 'GreaterThanOrEqualToThreshold',
      treatMissingData: 'notBreaching',
      ...actions,
    });

    this.url = queue.url;
    this.arn = queue.arn;
    this.highPriorityUrl = highPriority.url;
    this.highPriorityArn = highPriority.arn;
    this.deadLetterUrl = deadLetter.url;
    this.deadLetterArn = deadLetter.arn;
  }
}
