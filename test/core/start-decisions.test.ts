import test from 'ava';
import { decideStart } from '../../services/core/run/attempt-decisions.js';
import type { Run } from '../../services/core/run/model.js';
import { createRun, transition } from '../../services/core/run/state-machine.js';

/** decideStart for runs that wait: a delay holds a first start back, a ttl ends a run never started. */

const CREATED = Date.parse('2026-01-01T00:00:00.000Z');
const context = (now: number) => ({ worker: 'w1', now, busyMarginMs: 2_000 });

function queued(spec: { ttlSeconds?: number; delaySeconds?: number }): Run {
  return createRun({
    id: 'run-1',
    tenant: 't',
    createdAt: new Date(CREATED).toISOString(),
    spec: { agent: 'simulate', input: null, timeoutSeconds: 60, maxAttempts: 3, priority: 0, metadata: {}, ...spec },
  });
}

test('a run received before its delay passed is early by exactly the time left', (t) => {
  t.deepEqual(decideStart(queued({ delaySeconds: 60 }), undefined, context(CREATED + 45_000)), { kind: 'early', retryAfterMs: 15_000 });
  t.is(decideStart(queued({ delaySeconds: 60 }), undefined, context(CREATED + 60_000)).kind, 'start');
});

test('a run not started within its ttl (counted from the end of its delay) expires instead of starting', (t) => {
  const run = queued({ delaySeconds: 10, ttlSeconds: 30 });
  t.is(decideStart(run, undefined, context(CREATED + 39_999)).kind, 'start');
  const decision = decideStart(run, undefined, context(CREATED + 40_000));
  t.is(decision.kind, 'finished');
  if (decision.kind !== 'finished') return;
  t.true(decision.changed, 'the expiry must be written');
  t.like(decision.run, { status: 'cancelled', error: { type: 'expired' }, attempts: [] });
});

test('a ttl only guards the first start: a run that ran once is retried after its ttl', (t) => {
  const started = transition(queued({ ttlSeconds: 5 }), { type: 'start', at: new Date(CREATED + 1_000).toISOString(), worker: 'w0' });
  if (!started.ok) throw started.error;
  const retried = transition(started.run, { type: 'interrupt', at: new Date(CREATED + 2_000).toISOString() });
  if (!retried.ok) throw retried.error;
  t.is(decideStart(retried.run, undefined, context(CREATED + 60_000)).kind, 'start');
});
