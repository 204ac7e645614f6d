import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { loadConfig } from '../../services/core/config.js';
import { decideProtection, observeBusy, protectionPolicy, type ProtectionState } from '../../services/worker/task-protection/decision.js';
import { EcsAgentClient, TaskProtectionError } from '../../services/worker/task-protection/ecs-agent-client.js';
import { TaskProtectionKeeper } from '../../services/worker/task-protection/keeper.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, silentLogger, TENANT } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// No local server plays the ECS agent: the stand-in below answers its task-protection endpoint like
// the agent documents it (PUT {"ProtectionEnabled", "ExpiresInMinutes"} -> {"protection": {...}}).

interface AgentStandIn {
  uri: string;
  readonly calls: { method: string; path: string; body: { ProtectionEnabled?: boolean; ExpiresInMinutes?: number } }[];
  /** What the stand-in answers from now on. */
  answer(status: number, body?: unknown): void;
  /** Holds the answers to drops (ProtectionEnabled false) until the returned function is called: a slow ECS call. */
  holdDrops(): () => void;
  close(): Promise<void>;
}

async function startAgentStandIn(): Promise<AgentStandIn> {
  const calls: AgentStandIn['calls'] = [];
  let reply: { status: number; body?: unknown } | undefined;
  let dropsHeld: Promise<void> | undefined;
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', async () => {
      const body = JSON.parse(text || '{}') as AgentStandIn['calls'][number]['body'];
      calls.push({ method: request.method ?? '', path: request.url ?? '', body });
      if (body.ProtectionEnabled === false) await dropsHeld;
      const answer = reply ?? {
        status: 200,
        body: {
          protection: {
            ProtectionEnabled: body.ProtectionEnabled === true,
            ExpirationDate: body.ProtectionEnabled ? new Date(Date.now() + (body.ExpiresInMinutes ?? 120) * 60_000).toISOString() : null,
            TaskArn: 'arn:aws:ecs:us-east-1:111122223333:task/agentfleet-dev/0123456789abcdef0',
          },
        },
      };
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/api/task-id`,
    calls,
    answer: (status, body) => (reply = { status, body }),
    holdDrops: () => {
      let letGo = () => {};
      dropsHeld = new Promise((resolve) => (letGo = resolve));
      return () => {
        dropsHeld = undefined;
        letGo();
      };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MINUTE = 60_000;

test('with the production default, a busy task is protected for 15 minutes, renewed at 10, and released after 30 s idle', (t) => {
  const minutes = loadConfig({}).TASK_PROTECTION_MINUTES;
  t.is(minutes, 15);
  const policy = protectionPolicy(minutes);
  const busyAt = (state: ProtectionState, now: number) => observeBusy(state, 1, now);
  const idleAt = (state: ProtectionState, now: number) => observeBusy(state, 0, now);

  t.is(decideProtection(idleAt({}, 0), 0, policy), 'none', 'an idle task never asks');
  t.is(decideProtection(busyAt({}, 0), 0, policy), 'protect', 'a busy task asks at once');
  const granted: ProtectionState = { grantedAt: 0 };
  t.is(decideProtection(busyAt(granted, 10 * MINUTE - 1), 10 * MINUTE - 1, policy), 'none');
  t.is(decideProtection(busyAt(granted, 10 * MINUTE), 10 * MINUTE, policy), 'protect', 'renewed at two thirds, five minutes before it lapses');
  t.is(decideProtection(busyAt(granted, 16 * MINUTE), 16 * MINUTE, policy), 'protect', 'a lapsed grant (failed renewals) is asked for again');

  const idle = idleAt(granted, MINUTE);
  t.is(decideProtection(idleAt(idle, MINUTE + 29_999), MINUTE + 29_999, policy), 'none', 'a short idle spell keeps the protection');
  t.is(decideProtection(idleAt(idle, MINUTE + 30_000), MINUTE + 30_000, policy), 'release');
  const flicker = busyAt(idleAt(granted, MINUTE), MINUTE + 10_000);
  t.is(flicker.idleSince, undefined, 'a new run resets the idle clock');
  t.is(decideProtection(idleAt(flicker, MINUTE + 35_000), MINUTE + 35_000, policy), 'none', 'idle 0 s since the last run, not 35 s');
  t.is(decideProtection(idleAt({ grantedAt: 0, idleSince: MINUTE }, 15 * MINUTE), 15 * MINUTE, policy), 'none', 'a lapsed grant needs no release');
});

test('the agent client sends the documented request and reads failures and errors as typed errors', async (t) => {
  const agent = await startAgentStandIn();
  t.teardown(() => agent.close());
  const client = new EcsAgentClient(agent.uri);
  const on = await client.setProtection(true, 15);
  t.true(on.enabled);
  t.true((on.expiresAt ?? 0) > Date.now() + 14 * MINUTE);
  t.false((await client.setProtection(false)).enabled);
  t.deepEqual(agent.calls, [
    { method: 'PUT', path: '/api/task-id/task-protection/v1/state', body: { ProtectionEnabled: true, ExpiresInMinutes: 15 } },
    { method: 'PUT', path: '/api/task-id/task-protection/v1/state', body: { ProtectionEnabled: false } },
  ]);

  agent.answer(200, { failure: { Arn: 'arn:aws:ecs:us-east-1:111122223333:task/x', Detail: null, Reason: 'TASK_NOT_VALID' } });
  await t.throwsAsync(client.setProtection(true, 15), { instanceOf: TaskProtectionError, message: /TASK_NOT_VALID/ });
  agent.answer(400, { requestID: 'r', error: { Code: 'AccessDeniedException', Message: 'not authorized to perform: ecs:UpdateTaskProtection' } });
  await t.throwsAsync(client.setProtection(true, 15), { instanceOf: TaskProtectionError, message: /AccessDeniedException/ });
  agent.answer(500);
  await t.throwsAsync(client.setProtection(true, 15), { instanceOf: TaskProtectionError, message: /HTTP 500/ });
});

test('a run that starts while the drop is in flight is protected again as soon as the drop returns, not a tick later', async (t) => {
  const agent = await startAgentStandIn();
  t.teardown(() => agent.close());
  let busy = 1;
  // No timer: each tick is the test's, so a protection after the drop can only come from the same tick.
  const keeper = new TaskProtectionKeeper(new EcsAgentClient(agent.uri), () => busy, {
    minutes: 15,
    policy: { durationMs: 15 * MINUTE, renewAfterMs: 10 * MINUTE, releaseAfterIdleMs: 0 },
  }, silentLogger);
  t.teardown(() => keeper.stop());
  await keeper.tick();
  t.deepEqual(agent.calls.map((c) => c.body.ProtectionEnabled), [true]);

  const letDropAnswer = agent.holdDrops();
  busy = 0;
  const dropping = keeper.tick();
  await eventually(() => agent.calls.length === 2, 'the drop to reach the agent');
  busy = 1;
  letDropAnswer();
  await dropping;
  t.deepEqual(agent.calls.map((c) => c.body), [
    { ProtectionEnabled: true, ExpiresInMinutes: 15 },
    { ProtectionEnabled: false },
    { ProtectionEnabled: true, ExpiresInMinutes: 15 },
  ]);

  busy = 0;
  await keeper.tick();
  t.is(agent.calls.length, 4, 'a drop with no run started meanwhile asks nothing more');
  t.deepEqual(agent.calls.at(-1)?.body, { ProtectionEnabled: false });
});

let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

test('a worker running a run holds task protection, renews it, drops it when idle, and keeps running runs when the agent fails', async (t) => {
  const agent = await startAgentStandIn();
  t.teardown(() => agent.close());
  const h = harness(t, { redisUrl: redis.url });
  const { worker } = await h.startWorker();
  const minutes = h.config.TASK_PROTECTION_MINUTES;
  // Grants shortened to 1.5 s (renewed after 1 s, released after 0.5 s idle) so renewals happen during
  // a test; the request still asks ECS for the production TASK_PROTECTION_MINUTES. The production
  // timing is pinned by the decision test above.
  const keeper = new TaskProtectionKeeper(new EcsAgentClient(agent.uri), () => worker.status().busy, {
    minutes,
    policy: { durationMs: 1_500, renewAfterMs: 1_000, releaseAfterIdleMs: 500 },
    tickMs: 100,
  }, silentLogger);
  t.teardown(() => keeper.stop());
  keeper.start();
  const enabled = () => agent.calls.filter((c) => c.body.ProtectionEnabled === true);

  const long = await h.submit('simulate', { durationMs: 600_000 });
  await h.waitForStatus(long.id, 'running');
  await eventually(() => enabled().length >= 3, 'protection and two renewals');
  t.true(agent.calls.every((c) => c.body.ProtectionEnabled === true && c.body.ExpiresInMinutes === minutes), 'no release while the run runs');
  t.is((await h.get(long.id)).status, 'running');

  await h.store.requestCancel(TENANT, long.id);
  await h.waitForStatus(long.id, 'cancelled');
  await eventually(() => agent.calls.at(-1)?.body.ProtectionEnabled === false, 'the release once idle');
  t.deepEqual(agent.calls.at(-1)?.body, { ProtectionEnabled: false });

  agent.answer(500, { error: { Code: 'RequestCanceled', Message: 'Timed out calling Amazon ECS Task Protection API' } });
  const before = agent.calls.length;
  const next = await h.submit('simulate', { durationMs: 1_500, output: 'despite the agent' });
  const done = await h.waitForStatus(next.id, ['succeeded', 'failed']);
  t.is(done.status, 'succeeded');
  t.true(agent.calls.slice(before).filter((c) => c.body.ProtectionEnabled === true).length >= 2, 'a failed call is retried on the next tick');
});
