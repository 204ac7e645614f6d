import test from 'ava';
import { ConcurrencyLimit } from '../../services/worker/concurrency-limit.js';
import { EventLoopLag } from '../../services/worker/event-loop-lag.js';

test('a concurrency limit never lets more than its limit run, and serves waiters in order', async (t) => {
  const limit = new ConcurrencyLimit(3);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      limit.run(async () => {
        order.push(i);
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running -= 1;
      }),
    ),
  );
  t.is(most, 3);
  t.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  t.throws(() => new ConcurrencyLimit(0), { message: /limit: must be a positive integer/ });
});

test('a failing operation gives its place to the next one', async (t) => {
  const limit = new ConcurrencyLimit(1);
  await t.throwsAsync(limit.run(() => Promise.reject(new Error('boom'))), { message: 'boom' });
  t.is(await limit.run(async () => 'next'), 'next');
});

test('a blocked event loop counts as lagging until a timer runs on time again', async (t) => {
  const lag = new EventLoopLag(10, 10);
  lag.start();
  t.teardown(() => lag.stop());
  await new Promise((resolve) => setTimeout(resolve, 30));
  const until = performance.now() + 80;
  while (performance.now() < until);
  // The interval was due long before this timer, so it has measured the block when this resolves.
  await new Promise((resolve) => setTimeout(resolve, 0));
  t.true(lag.lagging);
  await lag.keepingUp(new AbortController().signal);
  t.false(lag.lagging);
});
