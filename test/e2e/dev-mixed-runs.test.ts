import test from 'ava';
import { startDevPlatform, type DevPlatform } from '../support/dev-platform.js';
import { waitFor } from '../support/ports.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * End to end over HTTP against `agentfleet dev` (API + scaler + local workers, BullMQ on a private
 * Redis): 500 simulate runs of six kinds — quick successes, flaky runs that succeed on a retry,
 * broken runs that use up their attempts, runs that time out, and runs cancelled while queued or
 * while running. Every run must end in the status its kind calls for, with exactly the attempts it
 * calls for: nothing lost, nothing executed twice.
 *
 * Nearly half of these attempts fail or time out on purpose, all of the one `simulate` agent, which
 * would (rightly) trip its breaker and hold its runs back for the cooldown; the breakers have their
 * own tests, so here neither the platform's nor the agent's is set to trip.
 */

interface Attempt {
  number: number;
  outcome: string | null;
}
interface RunObject {
  id: string;
  status: string;
  attempts: Attempt[];
  result: unknown;
  error: { type: string; message: string } | null;
}

type Kind = 'ok' | 'flaky' | 'broken' | 'slow' | 'cancel-soon' | 'cancel-running';

interface Expectation {
  status: string;
  /** Each acceptable sequence of attempt outcomes. */
  attempts: string[][];
}

const EXPECTED: Record<Kind, Expectation> = {
  ok: { status: 'succeeded', attempts: [['succeeded']] },
  flaky: { status: 'succeeded', attempts: [['failed', 'succeeded']] },
  broken: { status: 'failed', attempts: [['failed', 'failed']] },
  slow: { status: 'timed_out', attempts: [['timed_out']] },
  // Cancelled straight after submission: either before a worker took it or while running.
  'cancel-soon': { status: 'cancelled', attempts: [[], ['cancelled']] },
  'cancel-running': { status: 'cancelled', attempts: [['cancelled']] },
};

const MIX: [Kind, number][] = [
  ['ok', 250],
  ['flaky', 60],
  ['broken', 60],
  ['slow', 50],
  ['cancel-soon', 40],
  ['cancel-running', 40],
];

function bodyFor(kind: Kind, index: number): Record<string, unknown> {
  switch (kind) {
    case 'ok':
      return { agent: 'simulate', input: { durationMs: 20 + (index % 10) * 20, output: { index } } };
    case 'flaky':
      return { agent: 'simulate', input: { durationMs: 20, failAttempts: 1 }, maxAttempts: 3 };
    case 'broken':
      return { agent: 'simulate', input: { durationMs: 20, failRate: 1 }, maxAttempts: 2 };
    case 'slow':
      return { agent: 'simulate', input: { durationMs: 30_000 }, timeoutSeconds: 1 };
    case 'cancel-soon':
    case 'cancel-running':
      return { agent: 'simulate', input: { durationMs: 60_000 }, timeoutSeconds: 120 };
  }
}

let redis: TestRedis;
let dev: DevPlatform;

test.before(async () => {
  redis = await startRedis();
  dev = await startDevPlatform({
    key: 'e2e-mixed-key-0123456789',
    args: ['--slots', '16', '--min-workers', '2', '--max-workers', '4'],
    env: {
      REDIS_URL: redis.url,
      QUEUE_NAME: `e2e-mixed-${process.pid}`,
      AGENTFLEET_ENV: 'dev',
      SHUTDOWN_GRACE_SECONDS: '5',
      KILL_GRACE_SECONDS: '2',
      BREAKER_ERROR_PERCENT: '100',
      AGENT_BREAKER_ERROR_PERCENT: '100',
    },
  });
});

test.after.always(async () => {
  await dev?.stop();
  await redis?.stop();
});

async function getRun(id: string): Promise<RunObject> {
  const { status, json } = await dev.request<RunObject>('GET', `/v1/runs/${id}`);
  if (status !== 200) throw new Error(`GET /v1/runs/${id} answered ${status}`);
  return json;
}

test('500 mixed runs each end in the right status with the right attempts', async (t) => {
  t.timeout(240_000);
  const submitted: { id: string; kind: Kind; index: number }[] = [];
  const plan = MIX.flatMap(([kind, count]) => Array.from({ length: count }, (_, index) => ({ kind, index })));
  // Interleave the kinds so every worker sees a bit of everything.
  plan.sort((a, b) => a.index - b.index);

  let next = 0;
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      while (next < plan.length) {
        const item = plan[next++]!;
        const { status, json } = await dev.request<RunObject>('POST', '/v1/runs', bodyFor(item.kind, item.index));
        if (status !== 202) throw new Error(`POST /v1/runs answered ${status}: ${JSON.stringify(json)}`);
        submitted.push({ id: json.id, kind: item.kind, index: item.index });
        if (item.kind === 'cancel-soon') {
          const cancel = await dev.request('POST', `/v1/runs/${json.id}/cancel`);
          if (cancel.status !== 202) throw new Error(`cancel answered ${cancel.status}`);
        }
      }
    }),
  );
  t.is(submitted.length, 500);

  // Cancel each long run once a worker is running it.
  const running = submitted.filter((s) => s.kind === 'cancel-running');
  await Promise.all(
    running.map(async ({ id }) => {
      await waitFor(async () => (await getRun(id)).status === 'running', `run ${id} to start`, 120_000).catch(async (error: Error) => {
        const diagnostics = await Promise.all(['/v1/queue', '/v1/fleet', `/v1/runs/${id}`].map(async (p) => JSON.stringify((await dev.request(p === '' ? 'GET' : 'GET', p)).json)));
        throw new Error(`${error.message}; ${diagnostics.join(' ; ')}`);
      });
      const cancel = await dev.request('POST', `/v1/runs/${id}/cancel`);
      if (cancel.status !== 202) throw new Error(`cancel answered ${cancel.status}`);
    }),
  );

  const terminal = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);
  const finished = new Map<string, RunObject>();
  await waitFor(
    async () => {
      for (const { id } of submitted) {
        if (finished.has(id)) continue;
        const run = await getRun(id);
        if (terminal.has(run.status)) finished.set(id, run);
      }
      return finished.size === submitted.length;
    },
    'every run to finish',
    180_000,
  );

  const wrong: string[] = [];
  for (const { id, kind, index } of submitted) {
    const run = finished.get(id)!;
    const expected = EXPECTED[kind];
    const outcomes = run.attempts.map((a) => a.outcome ?? 'open');
    const numbers = run.attempts.map((a) => a.number);
    const attemptsOk = expected.attempts.some((seq) => seq.join() === outcomes.join());
    const numberedOk = numbers.every((n, i) => n === i + 1);
    if (run.status !== expected.status || !attemptsOk || !numberedOk) {
      wrong.push(`${kind} ${id}: ${run.status} [${outcomes.join(', ')}] numbers [${numbers.join(', ')}]`);
    }
    if (kind === 'ok') t.deepEqual(run.result, { index });
    if (kind === 'broken') t.is(run.error?.type, 'simulated_failure');
  }
  t.deepEqual(wrong, [], 'runs whose status or attempts are wrong');

  const queue = (await dev.request<{ visible: number; inFlight: number; delayed: number; deadLettered: number }>('GET', '/v1/queue')).json;
  await waitFor(async () => {
    const q = (await dev.request<typeof queue>('GET', '/v1/queue')).json;
    return q.visible + q.inFlight + q.delayed === 0;
  }, 'the queue to be empty');
  t.is(queue.deadLettered, 0, 'nothing was dead-lettered');
});
