import { join } from 'node:path';
import test from 'ava';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { ConfigError, loadConfig } from '../../services/core/config.js';
import { breakerAlert, type BreakerAlert } from '../../services/worker/breaker-alert.js';
import { SnsAlerts } from '../../services/worker/sns-alerts.js';
import { startMoto, type TestMoto } from '../support/moto.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { fixturesDir, harness, silentLogger } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// Breaker alerts through SNS on moto_server: a topic with an SQS queue subscribed (both in moto), so
// what the worker published can be read back.
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';
let moto: TestMoto;
let redis: TestRedis;
test.before(async () => {
  [moto, redis] = await Promise.all([startMoto(), startRedis()]);
});
test.after.always(async () => {
  await Promise.all([moto?.stop(), redis?.stop()]);
});

/** A topic with a fresh SQS queue subscribed; `messages()` reads what reached the queue (the SNS envelope's Message, parsed). */
async function subscribedTopic(name: string) {
  const sns = new SNSClient({ region, endpoint: moto.endpoint, credentials });
  const sqs = new SQSClient({ region, endpoint: moto.endpoint, credentials });
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: Attributes!.QueueArn }));
  const received: { subject: string; alert: BreakerAlert }[] = [];
  const messages = async () => {
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
    for (const message of Messages ?? []) {
      const envelope = JSON.parse(message.Body!) as { Subject: string; Message: string };
      received.push({ subject: envelope.Subject, alert: JSON.parse(envelope.Message) as BreakerAlert });
    }
    return received;
  };
  return { topicArn: TopicArn!, messages, close: () => (sns.destroy(), sqs.destroy()) };
}

const alert = breakerAlert(
  { alert: 'agent_circuit_open', worker: 'w-1', agent: 'flaky' },
  { failures: 3, attempts: 4 },
  { errorPercent: 10, windowSeconds: 300, minAttempts: 4, cooldownSeconds: 60 },
  new Date('2026-12-04T04:00:00Z'),
);

test('an alert published to the topic reaches its subscribers, with the fields to route on', async (t) => {
  const topic = await subscribedTopic('alerts-publish');
  t.teardown(topic.close);
  let failures = 0;
  const alerts = new SnsAlerts({ topicArn: topic.topicArn, region, endpoint: moto.endpoint, credentials, onFailure: () => failures++ }, silentLogger);
  alerts.publish(alert);
  await alerts.close();
  const [received] = await eventually(async () => {
    const messages = await topic.messages();
    return messages.length > 0 ? messages : undefined;
  }, 'the alert in the subscribed queue');
  t.deepEqual(received?.alert, {
    alert: 'agent_circuit_open',
    worker: 'w-1',
    agent: 'flaky',
    failures: 3,
    attempts: 4,
    failurePercent: 75,
    errorPercent: 10,
    windowSeconds: 300,
    cooldownSeconds: 60,
    at: '2026-12-04T04:00:00.000Z',
  });
  t.regex(received?.subject ?? '', /^circuit breaker open: agent flaky's runs wait on worker w-1/);
  t.true((received?.subject.length ?? 0) <= 100, 'SNS caps subjects at 100 characters');
  t.is(failures, 0);
});

test('a publish that fails is counted and logged, never thrown', async (t) => {
  let failures = 0;
  const missing = `arn:aws:sns:${region}:123456789012:no-such-topic`;
  const alerts = new SnsAlerts({ topicArn: missing, region, endpoint: moto.endpoint, credentials, onFailure: () => failures++ }, silentLogger);
  t.notThrows(() => alerts.publish(alert));
  await alerts.close();
  t.is(failures, 1);
});

test('ALERTS_TOPIC_ARN is optional, and when set must be an SNS topic ARN, the error naming the variable', (t) => {
  t.is(loadConfig({}).ALERTS_TOPIC_ARN, undefined);
  t.is(loadConfig({ ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:agentfleet-prod-alerts' }).ALERTS_TOPIC_ARN, 'arn:aws:sns:eu-west-1:123456789012:agentfleet-prod-alerts');
  t.truthy(loadConfig({ ALERTS_TOPIC_ARN: 'arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts' }).ALERTS_TOPIC_ARN);
  t.throws(() => loadConfig({ ALERTS_TOPIC_ARN: 'arn:aws:sqs:us-east-1:123456789012:alerts' }), { instanceOf: ConfigError, message: /ALERTS_TOPIC_ARN: must be an SNS topic ARN/ });
});

test('ALERTS_TOPIC_ARN refuses a FIFO topic, saying why: every publish to it would fail for want of a MessageGroupId', (t) => {
  const error = t.throws(() => loadConfig({ ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:123456789012:agentfleet-prod-alerts.fifo' }), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /ALERTS_TOPIC_ARN: must be a standard SNS topic, not FIFO/);
  t.regex(error?.message ?? '', /email, SMS or chat/);
  t.notRegex(error?.message ?? '', /must be an SNS topic ARN/, 'the ARN itself is well formed');
});

test('a worker process with ALERTS_TOPIC_ARN publishes agent_circuit_open when an agent breaker opens, and keeps running the other agent', async (t) => {
  const topic = await subscribedTopic('alerts-worker');
  t.teardown(topic.close);
  const h = harness(t, { redisUrl: redis.url });
  await h.startWorkerProcess({
    AGENTS_FILE: join(fixturesDir, 'breaker-agents.json'),
    ALERTS_TOPIC_ARN: topic.topicArn,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });
  const failing = await Promise.all([1, 2].map(() => h.submit('flaky', { durationMs: 0, failRate: 1 }, { maxAttempts: 1 })));
  for (const run of failing) await h.waitForStatus(run.id, 'failed');
  const received = await eventually(async () => {
    const messages = await topic.messages();
    return messages.length > 0 ? messages : undefined;
  }, 'the alert in the subscribed queue');
  // Both failures are recorded at once; the breaker may decide (and report) before the second has resolved.
  t.like(received[0]?.alert, { alert: 'agent_circuit_open', agent: 'flaky', attempts: 2 });
  t.true(received[0]!.alert.failures >= 1);
  const healthy = await h.submit('steady', { durationMs: 0 });
  t.is((await h.waitForStatus(healthy.id, ['succeeded', 'failed'])).status, 'succeeded');
});
