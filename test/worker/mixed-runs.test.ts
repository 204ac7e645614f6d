import test from 'ava';
import type { Run } from '../../services/core/run/model.js';
import { startRedis, type TestRedis } from '../support/redis.js';
import { harness, TENANT } from './helpers/harness.js';
import { eventually } from './helpers/recording-context.js';

// 500 simulate runs of five kinds through two workers sharing one queue: each ends in the status its
// kind demands, with exactly the attempts it demands, and none is executed after it finished.
let redis: TestRedis;
test.before(async () => {
  redis = await startRedis();
});
test.after.always(async () => {
  await redis?.stop();
});

interface Kind {
  name: string;
  input: Record<string, unknown>;
  spec?: Partial<Pick<Run, 'timeoutSeconds' | 'maxAttempts'>>;
  status: Run['status'];
  outcomes: string[];
}

const kinds: Kind[] = [
  { name: 'succeeds', input: { durationMs: 20 }, status: 'succeeded', outcomes: ['succeeded'] },
  { name: 'succeeds on retry', input: { durationMs: 5, failAttempts: 1 }, spec: { maxAttempts: 3 }, status: 'succeeded', outcomes: ['failed', 'succeeded'] },
  { name: 'always fails', input: { durationMs: 5, failRate: 1 }, spec: { maxAttempts: 2 }, status: 'failed', outcomes: ['failed', 'failed'] },
  { name: 'times out', input: { durationMs: 60_000 }, spec: { timeoutSeconds: 1, maxAttempts: 3 }, status: 'timed_out', outcomes: ['timed_out'] },
  { name: 'cancelled while running', input: { durationMs: 600_000 }, status: 'cancelled', outcomes: ['cancelled'] },
];

test('500 mixed runs each end in the right status with the right attempts', async (t) => {
  const h = harness(t, { redisUrl: redis.url });
  // Two in five runs fail on purpose: a breaker at its default 10% would (rightly) stop these workers.
  const breaker = { errorPercent: 100, windowSeconds: 60, minAttempts: 1, cooldownSeconds: 1 };
  const workers = [await h.startWorker({ slots: 40, breaker }), await h.startWorker({ slots: 40, breaker })];
  const submitted: { run: Run; kind: Kind }[] = [];
  for (let i = 0; i < 500; i++) {
    const kind = kinds[i % kinds.length]!;
    submitted.push({ run: await h.submit('simulate', kind.input, kind.spec), kind });
  }

  const toCancel = submitted.filter(({ kind }) => kind.name === 'cancelled while running');
  const pending = new Set(toCancel.map(({ run }) => run.id));
  await eventually(async () => {
    for (const id of pending) {
      const run = await h.get(id);
      if (run.status === 'running' && (await h.store.requestCancel(TENANT, id)).kind === 'requested') pending.delete(id);
    }
    return pending.size === 0;
  }, 'every long run to be running and cancelled', 120_000);

  for (const { run, kind } of submitted) {
    const done = await h.waitForStatus(run.id, ['succeeded', 'failed', 'timed_out', 'cancelled'], 120_000);
    t.is(done.status, kind.status, `${kind.name}: ${run.id}`);
    t.deepEqual(done.attempts.map((a) => a.outcome), kind.outcomes, `${kind.name}: ${run.id}`);
  }
  await eventually(async () => {
    const depth = await h.queue.depth();
    return depth.visible + depth.inFlight + depth.delayed === 0;
  }, 'the queue to be empty');
  const started = await Promise.all(workers.map(async ({ worker }) => (await worker.metrics.attemptsStarted.get()).values[0]?.value ?? 0));
  const expected = submitted.reduce((sum, { kind }) => sum + kind.outcomes.length, 0);
  t.is(started[0]! + started[1]!, expected, 'no attempt was started beyond the ones recorded');
});
