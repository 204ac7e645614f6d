import test from 'ava';
import { pino } from 'pino';
import { encodeRunMessage } from '../../services/core/queue/message.js';
import type { Delivery } from '../../services/core/queue/contract.js';
import { AgentBreakers } from '../../services/worker/agent-breakers.js';
import { RunBreaker, type BreakerOptions } from '../../services/worker/breaker.js';
import type { AgentContext, AgentOutcome } from '../../services/worker/agents/executor.js';
import { DeliveryHandler, type DeliveryHandlerDependencies } from '../../services/worker/delivery-handler.js';
import { WorkerMetrics } from '../../services/worker/metrics.js';
import { eventually } from './helpers/recording-context.js';

/**
 * The delivery handler's bookkeeping around a bug and around the final queue call. The run store,
 * queue, heartbeat and agent are stand-ins: what is tested is a throw no real server produces (a bug
 * in the worker) and the order of two calls inside the handler. The breakers are the real ones.
 */

// A cooldown of 50 ms so the breakers turn half-open within the test; the default takes the same path.
const SHORT: BreakerOptions = { errorPercent: 10, windowSeconds: 300, minAttempts: 1, cooldownSeconds: 0.05 };

const delivery: Delivery = {
  id: 'm-1',
  receiveCount: 1,
  receivedAt: Date.now(),
  body: encodeRunMessage({ v: 1, runId: 'run-1', tenant: 't', agent: 'a', input: {}, timeoutSeconds: 60, maxAttempts: 3, attempt: 1 }),
};

function handlerWith(overrides: {
  trackThrows?: boolean;
  closeThrows?: boolean;
  calls?: string[];
  execute?: (ctx: AgentContext) => Promise<AgentOutcome>;
  saveCheckpoint?: () => Promise<void>;
}) {
  const calls = overrides.calls ?? [];
  const breaker = new RunBreaker(SHORT, () => undefined);
  const agentBreakers = new AgentBreakers(() => ({ counts: ['agent-transient'], thresholds: SHORT }), () => undefined);
  const lease = { runId: 'run-1', attempt: 1, token: 'tok' };
  const deps = {
    workerId: 'w-1',
    store: {
      startAttempt: async () => ({ kind: 'started', lease, run: {} }),
      finishAttempt: async () => ({ kind: 'done', run: { status: 'succeeded' } }),
    },
    queue: {
      ack: async () => void calls.push('ack'),
      release: async () => void calls.push('release'),
      deadLetter: async () => void calls.push('deadLetter'),
    },
    executors: { get: () => ({ execute: overrides.execute ?? (async () => ({ kind: 'result', result: 1 })) }) },
    checkpoints: { save: overrides.saveCheckpoint },
    events: {
      forAttempt: () => ({
        log: () => undefined,
        progress: () => undefined,
        close: () => {
          if (overrides.closeThrows) throw new Error('a bug after the agent finished');
          return 0;
        },
      }),
    },
    heartbeat: {
      track: () => {
        if (overrides.trackThrows) throw new Error('a bug');
        calls.push('track');
      },
      untrack: () => void calls.push('untrack'),
    },
    breaker,
    agentBreakers,
    metrics: new WorkerMetrics({ worker: 'w-1', pool: 'p' }),
    logger: pino({ level: 'silent' }),
    onInterrupt: 'release',
  } as unknown as DeliveryHandlerDependencies;
  return { handler: new DeliveryHandler(deps), breaker, agentBreakers, calls };
}

test('a delivery that fails unexpectedly gives back the half-open probes it took, platform and agent', async (t) => {
  const { handler, breaker, agentBreakers } = handlerWith({ trackThrows: true });
  t.teardown(() => {
    breaker.shutdown();
    agentBreakers.shutdown();
  });
  breaker.record('failure');
  agentBreakers.record('a', 'agent-transient', false);
  await eventually(() => breaker.state === 'half-open' && agentBreakers.states().a === 'half-open', 'both breakers half-open');
  t.is(breaker.allowance(1), 1);
  breaker.takeProbe();

  await handler.handle(delivery, true);

  t.is(breaker.allowance(1), 1, "the platform's probe is free again");
  t.deepEqual(agentBreakers.admit('a'), { kind: 'run', probe: true }, "the agent's probe is free again");
});

test("the heartbeat lets go of an attempt before its delivery is acked, so no late extension hides it", async (t) => {
  const { handler, breaker, agentBreakers, calls } = handlerWith({});
  t.teardown(() => {
    breaker.shutdown();
    agentBreakers.shutdown();
  });
  await handler.handle(delivery);
  t.deepEqual(calls.slice(0, 3), ['track', 'untrack', 'ack']);
  t.is(handler.running, 0);
});

test('an unexpected error after the attempt began still lets the heartbeat go of it, so its run comes back to the queue', async (t) => {
  const { handler, breaker, agentBreakers, calls } = handlerWith({ closeThrows: true });
  t.teardown(() => {
    breaker.shutdown();
    agentBreakers.shutdown();
  });
  await handler.handle(delivery);
  t.deepEqual(calls, ['track', 'untrack'], 'untracked, and the delivery left to lapse back to the queue');
  t.is(handler.running, 0);
});

test("an agent failing because the run store refused its checkpoint is the platform's failure, not the agent's", async (t) => {
  const { handler, breaker, agentBreakers } = handlerWith({
    saveCheckpoint: async () => {
      throw new Error('Connection is closed.');
    },
    execute: async (ctx) => {
      try {
        await ctx.checkpoint({ step: 1 });
        return { kind: 'result', result: 1 };
      } catch (error) {
        return { kind: 'error', error: { type: 'checkpoint_failed', message: (error as Error).message }, retryable: true };
      }
    },
  });
  t.teardown(() => {
    breaker.shutdown();
    agentBreakers.shutdown();
  });
  await handler.handle(delivery);
  t.is(breaker.state, 'open', 'the platform breaker heard it (one failure is over its minimum here)');
  t.is(agentBreakers.states().a ?? 'closed', 'closed', "the agent's breaker did not");
});
