import test from 'ava';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../../services/core/config.js';
import { ImdsClient, ImdsError } from '../../services/worker/interruption/imds-client.js';
import { rebalanceNotice, scaleInNotice, spotNotice, type InterruptionNotice } from '../../services/worker/interruption/notices.js';
import { InterruptionWatcher } from '../../services/worker/interruption/watcher.js';
import { freePort } from '../support/ports.js';
import { startFakeImds } from './helpers/fake-imds.js';
import { silentLogger } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// No local server can produce a Spot notice or an ASG scale-in: helpers/fake-imds.ts plays IMDSv2 on 127.0.0.1.

test('a Spot notice sets the drain deadline a margin before the reclaim, never in the past', (t) => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  const notice = spotNotice('{"action":"terminate","time":"2025-01-01T00:02:00Z"}', now, 20_000);
  t.deepEqual(notice, { kind: 'spot', deadline: now + 100_000, detail: 'spot terminate at 2025-01-01T00:02:00Z' });
  t.is(spotNotice('{"action":"stop","time":"2025-01-01T00:00:05Z"}', now, 20_000)?.deadline, now);
  t.is(spotNotice(undefined, now, 20_000), undefined);
  t.is(spotNotice('garbage', now, 20_000)?.deadline, now, 'an unreadable notice drains at once');
});

test('only the Terminated lifecycle state means scale-in', (t) => {
  const now = 1_000;
  t.deepEqual(scaleInNotice('Terminated', now, 90_000), { kind: 'scale-in', deadline: 91_000, detail: 'auto scaling group scale-in (target lifecycle state Terminated)' });
  t.is(scaleInNotice('InService', now, 90_000), undefined);
  t.is(scaleInNotice(undefined, now, 90_000), undefined);
});

test('a rebalance recommendation is a notice without a deadline', (t) => {
  t.deepEqual(rebalanceNotice('{"noticeTime":"2025-01-01T00:00:00Z"}'), {
    kind: 'rebalance',
    deadline: Number.POSITIVE_INFINITY,
    detail: 'rebalance recommendation at 2025-01-01T00:00:00Z',
  });
  t.is(rebalanceNotice(undefined), undefined);
  t.is(rebalanceNotice('garbage')?.kind, 'rebalance', 'an unreadable recommendation is still one');
});

test('a scale-in drain lasts an hour by default, heartbeating the hook every minute, and never past the hook\'s 48 h global timeout', (t) => {
  t.like(loadConfig({}), { SCALE_IN_GRACE_SECONDS: 3600, LIFECYCLE_HEARTBEAT_SECONDS: 60, SHUTDOWN_GRACE_SECONDS: 90 });
  t.is(loadConfig({ SCALE_IN_GRACE_SECONDS: String(48 * 3600) }).SCALE_IN_GRACE_SECONDS, 48 * 3600);
  t.throws(() => loadConfig({ SCALE_IN_GRACE_SECONDS: String(48 * 3600 + 1) }), { instanceOf: ConfigError, message: /SCALE_IN_GRACE_SECONDS/ });
});

test('the IMDSv2 client fetches a token, uses it, refreshes it when refused, and reads 404 as absent', async (t) => {
  const imds = await startFakeImds();
  t.teardown(() => imds.close());
  const client = new ImdsClient(imds.endpoint);
  t.is(await client.get('/latest/meta-data/spot/instance-action'), undefined);
  imds.setLifecycleState('InService');
  t.is(await client.get('/latest/meta-data/autoscaling/target-lifecycle-state'), 'InService');
  imds.revokeTokens();
  t.is(await client.get('/latest/meta-data/autoscaling/target-lifecycle-state'), 'InService');
  t.deepEqual(imds.requests, ['/latest/meta-data/spot/instance-action', '/latest/meta-data/autoscaling/target-lifecycle-state', '/latest/meta-data/autoscaling/target-lifecycle-state']);
});

test('an unreachable IMDS is a typed error', async (t) => {
  const client = new ImdsClient(`http://127.0.0.1:${await freePort()}`, { timeoutMs: 500 });
  await t.throwsAsync(client.get('/latest/meta-data/spot/instance-action'), { instanceOf: ImdsError });
});

test('the watcher reports a rebalance recommendation, a Spot notice and a scale-in once each', async (t) => {
  const imds = await startFakeImds();
  t.teardown(() => imds.close());
  const notices: InterruptionNotice[] = [];
  const watcher = new InterruptionWatcher(new ImdsClient(imds.endpoint), { pollMs: 50, spotMarginMs: 1000, scaleInGraceMs: 5000 }, (n) => notices.push(n), silentLogger);
  t.teardown(() => watcher.stop());
  watcher.start();
  await eventually(() => imds.requests.length >= 4, 'a few polls');
  t.deepEqual(notices, []);

  imds.recommendRebalance(new Date());
  await eventually(() => notices.length === 1, 'the rebalance recommendation');
  t.like(notices[0], { kind: 'rebalance', deadline: Number.POSITIVE_INFINITY });
  const reclaimAt = new Date(Date.now() + 120_000);
  imds.noticeSpot(reclaimAt);
  await eventually(() => notices.length === 2, 'the Spot notice');
  t.like(notices[1], { kind: 'spot', deadline: reclaimAt.getTime() - 1000 });
  imds.setLifecycleState('Terminated');
  await eventually(() => notices.length === 3, 'the scale-in');
  t.is(notices[2]?.kind, 'scale-in');
  const polled = imds.requests.length;
  await eventually(() => imds.requests.length >= polled + 4, 'more polls');
  t.is(notices.length, 3, 'each kind is reported once');
});

test('a failing metadata path does not hide the notices the others carry, and is logged by name', async (t) => {
  const imds = await startFakeImds();
  t.teardown(() => imds.close());
  const rebalancePath = '/latest/meta-data/events/recommendations/rebalance';
  imds.failing.add(rebalancePath);
  const warnings: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
  const notices: InterruptionNotice[] = [];
  const watcher = new InterruptionWatcher(new ImdsClient(imds.endpoint), { pollMs: 50, spotMarginMs: 1000, scaleInGraceMs: 5000 }, (n) => notices.push(n), logger);
  t.teardown(() => watcher.stop());

  imds.recommendRebalance(new Date());
  imds.noticeSpot(new Date(Date.now() + 120_000));
  imds.setLifecycleState('Terminated');
  watcher.start();
  await eventually(() => notices.length === 2, 'the Spot notice and the scale-in', 5_000);
  t.deepEqual(notices.map((n) => n.kind).sort(), ['scale-in', 'spot']);
  t.true(imds.failed.includes(rebalancePath), 'the rebalance read did fail');
  t.like(warnings.find((w) => w.path === rebalancePath), { msg: 'instance metadata read failed', failures: 1 });

  imds.failing.clear();
  await eventually(() => notices.length === 3, 'the rebalance recommendation once its path answers', 5_000);
  t.is(notices[2]?.kind, 'rebalance');
});
