import test from 'ava';
import fc from 'fast-check';
import { backoffCeilingMs, backoffPolicy, retryDelayMs, MAX_QUEUE_DELAY_MS } from '../../services/core/run/backoff.js';
import { IllegalTransitionError } from '../../services/core/run/errors.js';
import { countedAttempts, isTerminal, RUN_STATUSES, type Run, type RunStatus } from '../../services/core/run/model.js';
import { createRun, RUN_TRANSITION_TYPES, transition, type RunTransition, type RunTransitionType } from '../../services/core/run/state-machine.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

function queuedRun(maxAttempts = 3): Run {
  return createRun({
    id: 'run-1',
    tenant: 'acme',
    createdAt: iso(0),
    spec: { agent: 'simulate', input: { durationMs: 1 }, timeoutSeconds: 60, maxAttempts, priority: 0, metadata: {} },
  });
}

function must(run: Run, event: RunTransition): Run {
  const result = transition(run, event);
  if (!result.ok) throw result.error;
  return result.run;
}

const start = (at: number, worker = 'w1'): RunTransition => ({ type: 'start', at: iso(at), worker });
const fail = (at: number, retryable = true, retryDelayMs = 5_000): RunTransition => ({
  type: 'fail',
  at: iso(at),
  error: { type: 'agent_error', message: 'boom' },
  retryable,
  retryDelayMs,
});

/** One run in each status, reached through legal transitions only. */
function runIn(status: RunStatus): Run {
  const running = must(queuedRun(), start(1_000));
  switch (status) {
    case 'queued':
      return queuedRun();
    case 'running':
      return running;
    case 'succeeded':
      return must(running, { type: 'succeed', at: iso(2_000), result: { ok: true } });
    case 'failed':
      return must(running, fail(2_000, false));
    case 'cancelled':
      return must(queuedRun(), { type: 'cancel', at: iso(2_000) });
    case 'timed_out':
      return must(running, { type: 'timeOut', at: iso(2_000) });
  }
}

function eventOf(type: RunTransitionType, at: number): RunTransition {
  switch (type) {
    case 'start':
      return start(at, 'w2');
    case 'succeed':
      return { type, at: iso(at), result: 42 };
    case 'fail':
      return fail(at);
    default:
      return { type, at: iso(at) };
  }
}

// Written out independently of the implementation's own table, so a change to either shows up here.
const LEGAL = new Set([
  'queued:start',
  'queued:cancel',
  'queued:expire',
  'running:succeed',
  'running:fail',
  'running:timeOut',
  'running:cancel',
  'running:cancelled',
  'running:interrupt',
  'running:workerLost',
]);

for (const status of RUN_STATUSES) {
  for (const type of RUN_TRANSITION_TYPES) {
    const legal = LEGAL.has(`${status}:${type}`);
    test(`a ${status} run ${legal ? 'takes' : 'rejects'} the ${type} event`, (t) => {
      const run = deepFreeze(runIn(status));
      const before = structuredClone(run);
      const result = transition(run, eventOf(type, 10_000));
      t.is(result.ok, legal);
      t.deepEqual(run, before, 'the input run is never modified');
      if (!result.ok) {
        t.true(result.error instanceof IllegalTransitionError);
        t.is(result.error.status, status);
        t.is(result.error.event, type);
      }
    });
  }
}

test('start: a queued run becomes running with a new open attempt, and startedAt is the first attempt start', (t) => {
  const first = must(queuedRun(), start(1_000, 'w1'));
  t.is(first.status, 'running');
  t.deepEqual(first.attempts, [{ number: 1, worker: 'w1', startedAt: iso(1_000) }]);
  t.is(first.startedAt, iso(1_000));

  const retried = must(must(first, fail(2_000, true, 3_000)), start(6_000, 'w2'));
  t.is(retried.attempts.length, 2);
  t.deepEqual(retried.attempts[1], { number: 2, worker: 'w2', startedAt: iso(6_000) });
  t.is(retried.startedAt, iso(1_000), 'startedAt stays the first attempt start');
  t.is(retried.nextAttemptAt, undefined, 'a started run no longer waits');
});

test('succeed: the run ends succeeded with the result, and the attempt records its outcome', (t) => {
  const run = must(runIn('running'), { type: 'succeed', at: iso(5_000), result: { answer: 42 } });
  t.is(run.status, 'succeeded');
  t.deepEqual(run.result, { answer: 42 });
  t.is(run.finishedAt, iso(5_000));
  t.like(run.attempts[0], { outcome: 'succeeded', finishedAt: iso(5_000) });
  t.is(run.error, undefined);
});

test('fail: a retryable failure with attempts left queues the run again after the backoff delay', (t) => {
  const run = must(runIn('running'), fail(5_000, true, 7_000));
  t.is(run.status, 'queued');
  t.is(run.nextAttemptAt, iso(12_000));
  t.like(run.attempts[0], { outcome: 'failed', finishedAt: iso(5_000), error: { type: 'agent_error', message: 'boom' } });
  t.is(run.error, undefined, 'the run has no error while it can still succeed');
  t.is(run.finishedAt, undefined);
});

test('fail: the failure of the last counted attempt ends the run failed with that error', (t) => {
  let run = queuedRun(2);
  run = must(must(run, start(1_000)), fail(2_000));
  const second: RunTransition = { type: 'fail', at: iso(4_000), error: { type: 'agent_error', message: 'second' }, retryable: true, retryDelayMs: 1 };
  run = must(must(run, start(3_000)), second);
  t.is(run.status, 'failed');
  t.deepEqual(run.error, { type: 'agent_error', message: 'second' });
  t.is(run.finishedAt, iso(4_000));
  t.is(countedAttempts(run), 2);
});

test('fail: a failure marked not retryable ends the run failed even with attempts left', (t) => {
  const run = must(runIn('running'), fail(5_000, false));
  t.is(run.status, 'failed');
  t.is(run.attempts.length, 1);
});

test('time out: the run ends timed_out and never retries, whatever attempts are left', (t) => {
  const run = must(must(queuedRun(5), start(1_000)), { type: 'timeOut', at: iso(61_000) });
  t.is(run.status, 'timed_out');
  t.like(run.attempts[0], { outcome: 'timed_out' });
  t.is(run.error?.type, 'timed_out');
  t.is(run.finishedAt, iso(61_000));
});

test('cancel: a queued run is cancelled at once and gets no attempt', (t) => {
  const waiting = must(must(runIn('running'), fail(2_000)), { type: 'cancel', at: iso(3_000) });
  t.is(waiting.status, 'cancelled');
  t.is(waiting.finishedAt, iso(3_000));
  t.is(waiting.attempts.length, 1);
  t.is(waiting.nextAttemptAt, undefined);
});

test('cancel: a running run only gets cancelRequested; asking twice changes nothing more', (t) => {
  const once = must(runIn('running'), { type: 'cancel', at: iso(3_000) });
  t.is(once.status, 'running');
  t.true(once.cancelRequested);
  t.is(once.attempts[0]?.outcome, undefined);
  t.deepEqual(must(once, { type: 'cancel', at: iso(4_000) }), once);
});

test('expire: a queued run ends cancelled with error type expired, and gets no attempt', (t) => {
  const run = must({ ...queuedRun(), ttlSeconds: 30 }, { type: 'expire', at: iso(3_000) });
  t.is(run.status, 'cancelled');
  t.is(run.finishedAt, iso(3_000));
  t.is(run.error?.type, 'expired');
  t.deepEqual(run.attempts, []);
});

test('cancelled: the worker stopping the agent ends the run cancelled with a cancelled attempt', (t) => {
  const requested = must(runIn('running'), { type: 'cancel', at: iso(3_000) });
  const run = must(requested, { type: 'cancelled', at: iso(4_000) });
  t.is(run.status, 'cancelled');
  t.like(run.attempts[0], { outcome: 'cancelled', finishedAt: iso(4_000) });
  t.is(run.finishedAt, iso(4_000));
});

test('interrupt: the run goes straight back to the queue and the attempt does not count', (t) => {
  let run = queuedRun(1);
  for (let i = 0; i < 5; i++) run = must(must(run, start(i * 10_000 + 1)), { type: 'interrupt', at: iso(i * 10_000 + 2) });
  t.is(run.status, 'queued');
  t.is(run.attempts.length, 5);
  t.true(run.attempts.every((a) => a.outcome === 'interrupted'));
  t.is(countedAttempts(run), 0);
  t.is(run.nextAttemptAt, undefined, 'an interrupted run is eligible at once');
  const finished = must(must(run, start(100_000)), { type: 'succeed', at: iso(100_001), result: null });
  t.is(finished.status, 'succeeded', 'a run with maxAttempts 1 still gets its one counted attempt');
});

test('workerLost: a lost attempt fails as worker_lost and counts, so a run that kills workers ends failed', (t) => {
  let run = queuedRun(2);
  run = must(must(run, start(1_000, 'w1')), { type: 'workerLost', at: iso(40_000) });
  t.is(run.status, 'queued');
  t.like(run.attempts[0], { outcome: 'failed', error: { type: 'worker_lost' } });
  t.is(run.nextAttemptAt, undefined, 'the delivery that noticed the loss retries at once');
  run = must(must(run, start(41_000, 'w2')), { type: 'workerLost', at: iso(80_000) });
  t.is(run.status, 'failed');
  t.is(run.error?.type, 'worker_lost');
  t.is(countedAttempts(run), 2);
});

for (const ending of ['fail', 'interrupt', 'workerLost'] as const) {
  test(`a cancel request is honoured when the attempt ends by ${ending} instead of queueing the run again`, (t) => {
    const requested = must(runIn('running'), { type: 'cancel', at: iso(3_000) });
    const run = must(requested, eventOf(ending, 4_000));
    t.is(run.status, 'cancelled');
    t.is(run.finishedAt, iso(4_000));
    t.not(run.attempts[0]?.outcome, undefined);
  });
}

test('a running record without an open attempt is rejected rather than patched up', (t) => {
  const corrupt: Run = { ...runIn('running'), attempts: [] };
  const result = transition(corrupt, { type: 'succeed', at: iso(5_000), result: 1 });
  t.false(result.ok);
  if (!result.ok) t.true(result.error instanceof IllegalTransitionError);
});

// ---- properties over random event sequences -------------------------------------------------------

const eventArbitrary: fc.Arbitrary<{ type: RunTransitionType; retryable: boolean; gapMs: number; delayMs: number }> = fc.record({
  // Cancels are rarer than other events so that sequences also reach retries, exhaustion and success.
  type: fc.oneof(
    { arbitrary: fc.constantFrom(...RUN_TRANSITION_TYPES.filter((type) => type !== 'cancel')), weight: 12 },
    { arbitrary: fc.constant<RunTransitionType>('cancel'), weight: 1 },
  ),
  retryable: fc.boolean(),
  gapMs: fc.integer({ min: 1, max: 60_000 }),
  delayMs: fc.integer({ min: 0, max: 900_000 }),
});

interface Step {
  before: Run;
  event: RunTransition;
  after: Run | undefined;
}

/** Applies a random event sequence, keeping every step (illegal events leave the run as it was). */
function replay(maxAttempts: number, events: readonly { type: RunTransitionType; retryable: boolean; gapMs: number; delayMs: number }[]): Step[] {
  let run = queuedRun(maxAttempts);
  let clock = 0;
  const steps: Step[] = [];
  for (const e of events) {
    clock += e.gapMs;
    const event: RunTransition =
      e.type === 'fail'
        ? { type: 'fail', at: iso(clock), error: { type: 'x', message: 'x' }, retryable: e.retryable, retryDelayMs: e.delayMs }
        : eventOf(e.type, clock);
    const before = deepFreeze(run);
    const result = transition(before, event);
    steps.push({ before, event, after: result.ok ? result.run : undefined });
    if (result.ok) run = result.run;
  }
  return steps;
}

const sequences = fc.tuple(fc.integer({ min: 1, max: 5 }), fc.array(eventArbitrary, { minLength: 1, maxLength: 80 }));
const RUNS = { numRuns: 500 };

test('property: a terminal status is absorbing, every event is rejected', (t) => {
  fc.assert(
    fc.property(sequences, ([maxAttempts, events]) => {
      for (const step of replay(maxAttempts, events)) {
        if (isTerminal(step.before.status) && step.after !== undefined) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test('property: counted attempts never exceed maxAttempts, and interrupted attempts are never counted', (t) => {
  fc.assert(
    fc.property(sequences, ([maxAttempts, events]) => {
      for (const { after } of replay(maxAttempts, events)) {
        if (!after) continue;
        const interrupted = after.attempts.filter((a) => a.outcome === 'interrupted').length;
        if (countedAttempts(after) > maxAttempts) return false;
        if (countedAttempts(after) + interrupted !== after.attempts.length) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test('property: a run ends failed only when its counted attempts are used up or the failure was not retryable', (t) => {
  fc.assert(
    fc.property(sequences, ([maxAttempts, events]) => {
      for (const { event, after } of replay(maxAttempts, events)) {
        if (after?.status !== 'failed') continue;
        const notRetryable = event.type === 'fail' && !event.retryable;
        if (!notRetryable && countedAttempts(after) !== maxAttempts) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test('property: only a running run has an open attempt, and it is the last one', (t) => {
  fc.assert(
    fc.property(sequences, ([maxAttempts, events]) => {
      for (const { after } of replay(maxAttempts, events)) {
        if (!after) continue;
        const open = after.attempts.filter((a) => a.outcome === undefined);
        if (after.status === 'running' ? open.length !== 1 || open[0] !== after.attempts.at(-1) : open.length !== 0) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test('property: attempts are numbered 1..n, startedAt is the first attempt start, finishedAt is set exactly when terminal', (t) => {
  fc.assert(
    fc.property(sequences, ([maxAttempts, events]) => {
      for (const { after } of replay(maxAttempts, events)) {
        if (!after) continue;
        if (!after.attempts.every((a, i) => a.number === i + 1)) return false;
        if (after.startedAt !== after.attempts[0]?.startedAt) return false;
        if ((after.finishedAt !== undefined) !== isTerminal(after.status)) return false;
        if (after.status !== 'queued' && after.nextAttemptAt !== undefined) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

test('property: a succeeded run has exactly one succeeded attempt, its last, and a result', (t) => {
  fc.assert(
    fc.property(sequences, ([maxAttempts, events]) => {
      for (const { after } of replay(maxAttempts, events)) {
        if (after?.status !== 'succeeded') continue;
        const succeeded = after.attempts.filter((a) => a.outcome === 'succeeded');
        if (succeeded.length !== 1 || succeeded[0] !== after.attempts.at(-1) || !('result' in after)) return false;
      }
      return true;
    }),
    RUNS,
  );
  t.pass();
});

// ---- backoff ------------------------------------------------------------------------------------

const policies = fc
  .tuple(fc.integer({ min: 1, max: 60_000 }), fc.integer({ min: 1, max: MAX_QUEUE_DELAY_MS }))
  .filter(([base, cap]) => cap >= base)
  .map(([baseMs, capMs]) => backoffPolicy({ baseMs, capMs }));
const unitRandom = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

test('property: a retry delay is within [0, cap] and below its ceiling', (t) => {
  fc.assert(
    fc.property(policies, fc.integer({ min: 1, max: 200 }), unitRandom, (policy, retry, r) => {
      const delay = retryDelayMs(retry, policy, () => r);
      return delay >= 0 && delay <= policy.capMs && delay <= MAX_QUEUE_DELAY_MS && delay < backoffCeilingMs(retry, policy);
    }),
    RUNS,
  );
  t.pass();
});

test('property: the backoff ceiling doubles with each retry until it reaches the cap', (t) => {
  fc.assert(
    fc.property(policies, fc.integer({ min: 1, max: 200 }), (policy, retry) => {
      const here = backoffCeilingMs(retry, policy);
      const next = backoffCeilingMs(retry + 1, policy);
      return next >= here && (here === policy.capMs ? next === policy.capMs : next === Math.min(policy.capMs, here * 2));
    }),
    RUNS,
  );
  t.pass();
});

test('backoff: the first retry waits below the base, and the random source decides where', (t) => {
  const policy = backoffPolicy({ baseMs: 2_000, capMs: 300_000 });
  t.is(retryDelayMs(1, policy, () => 0), 0);
  t.is(retryDelayMs(1, policy, () => 0.5), 1_000);
  t.is(retryDelayMs(3, policy, () => 0.5), 4_000);
  t.is(retryDelayMs(30, policy, () => 0.5), 150_000);
});

test('backoff: a policy beyond the queue limit or with a non-positive base is rejected, naming the field', (t) => {
  t.throws(() => backoffPolicy({ capMs: MAX_QUEUE_DELAY_MS + 1 }), { instanceOf: RangeError, message: /^capMs:/ });
  t.throws(() => backoffPolicy({ baseMs: 0 }), { instanceOf: RangeError, message: /^baseMs:/ });
  t.throws(() => backoffPolicy({ baseMs: 10_000, capMs: 5_000 }), { instanceOf: RangeError, message: /^capMs:/ });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
