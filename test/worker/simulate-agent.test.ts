import test from 'ava';
import { SimulateExecutor } from '../../services/worker/agents/simulate.js';
import { recordingContext } from './helpers/recording-context.js';

test('simulate returns its output, or a small default', async (t) => {
  const simulate = new SimulateExecutor();
  t.deepEqual(await simulate.execute(recordingContext({ durationMs: 5, output: { answer: 42 } })), { kind: 'result', result: { answer: 42 } });
  t.deepEqual(await simulate.execute(recordingContext({ durationMs: 0 })), { kind: 'result', result: { simulated: true, durationMs: 0 } });
});

test('bad simulate input fails without retry, naming the field', async (t) => {
  const simulate = new SimulateExecutor();
  const cases: [unknown, RegExp][] = [
    [{ durationMs: -1 }, /^input\.durationMs: /],
    [{ durationMs: 10, failRate: 2 }, /^input\.failRate: /],
    [{ duration: 10 }, /durationMs|duration/],
    ['not an object', /^input: /],
  ];
  for (const [input, message] of cases) {
    const outcome = await simulate.execute(recordingContext(input));
    t.like(outcome, { kind: 'error', error: { type: 'invalid_input' }, retryable: false }, JSON.stringify(input));
    t.regex(outcome.kind === 'error' ? outcome.error.message : '', message);
  }
});

test('failAttempts fails exactly the first N attempts', async (t) => {
  const simulate = new SimulateExecutor();
  const outcomes = [];
  for (const attempt of [1, 2, 3, 4]) outcomes.push((await simulate.execute(recordingContext({ durationMs: 0, failAttempts: 2 }, { attempt }))).kind);
  t.deepEqual(outcomes, ['error', 'error', 'result', 'result']);
});

test('failRate fails when the random draw is below it', async (t) => {
  const draws = [0.1, 0.9];
  const simulate = new SimulateExecutor(() => draws.shift()!);
  t.like(await simulate.execute(recordingContext({ durationMs: 0, failRate: 0.5 })), { kind: 'error', error: { type: 'simulated_failure' }, retryable: true });
  t.like(await simulate.execute(recordingContext({ durationMs: 0, failRate: 0.5 })), { kind: 'result' });
});

test('an abort ends the sleep and the CPU burn early', async (t) => {
  const ctx = recordingContext({ durationMs: 600_000, cpuMs: 600_000 });
  const running = new SimulateExecutor().execute(ctx);
  setTimeout(() => ctx.controller.abort('cancel'), 20);
  t.like(await running, { kind: 'error', error: { type: 'aborted' } });
});

test('CPU is burned in slices that leave the event loop free', async (t) => {
  let timerRanDuringBurn = false;
  let finished = false;
  setTimeout(() => (timerRanDuringBurn = !finished), 0);
  const outcome = await new SimulateExecutor().execute(recordingContext({ durationMs: 0, cpuMs: 200 }));
  finished = true;
  t.is(outcome.kind, 'result');
  t.true(timerRanDuringBurn, 'a timer due during the burn ran before the burn ended');
});
