import test from 'ava';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CallBatcher } from '../../services/core/call-batcher.js';

/** A batcher whose batches are recorded and answered by doubling each item. */
function recordingBatcher(maxBatch: number) {
  const batches: number[][] = [];
  const batcher = new CallBatcher<number, number>(async (items) => {
    batches.push(items);
    return items.map((item) => item * 2);
  }, maxBatch);
  return { batcher, batches };
}

test('calls made in the same turn go out as one batch, each answered with its own result', async (t) => {
  const { batcher, batches } = recordingBatcher(64);
  const results = await Promise.all([1, 2, 3].map((item) => batcher.call(item)));
  t.deepEqual(results, [2, 4, 6]);
  t.deepEqual(batches, [[1, 2, 3]]);
});

test('calls in later turns go out in batches of their own', async (t) => {
  const { batcher, batches } = recordingBatcher(64);
  const first = batcher.call(1);
  await nextTurn();
  const second = batcher.call(2);
  t.deepEqual(await Promise.all([first, second]), [2, 4]);
  t.deepEqual(batches, [[1], [2]]);
});

test('a full batch goes out at once and the rest waits for the end of the turn', async (t) => {
  const { batcher, batches } = recordingBatcher(2);
  const calls = [1, 2, 3, 4, 5].map((item) => batcher.call(item));
  t.deepEqual(batches, [[1, 2], [3, 4]], 'full batches are sent synchronously');
  t.deepEqual(await Promise.all(calls), [2, 4, 6, 8, 10]);
  t.deepEqual(batches, [[1, 2], [3, 4], [5]]);
});

test('with a weight limit, an item that would take the batch past it starts the next one; a heavy item alone goes alone', async (t) => {
  const batches: number[][] = [];
  const batcher = new CallBatcher<number, number>(
    async (items) => {
      batches.push(items);
      return items;
    },
    64,
    { weigh: (item) => item, maxWeight: 10 },
  );
  await Promise.all([4, 5, 3, 20, 1].map((item) => batcher.call(item)));
  t.deepEqual(batches, [[4, 5], [3], [20], [1]]);
});

test('a failed batch fails every call in it and no other', async (t) => {
  let sent = 0;
  const batcher = new CallBatcher<number, number>(async (items) => {
    sent += 1;
    if (sent === 1) throw new Error('redis went away');
    return items;
  }, 2);
  const failing = [batcher.call(1), batcher.call(2)];
  const passing = batcher.call(3);
  for (const call of failing) await t.throwsAsync(call, { message: 'redis went away' });
  t.is(await passing, 3);
});

test('a sender that throws synchronously fails the batch instead of the caller', async (t) => {
  const batcher = new CallBatcher<number, number>(() => {
    throw new Error('bad arguments');
  }, 4);
  await t.throwsAsync(batcher.call(1), { message: 'bad arguments' });
});

test('a reply with the wrong number of results fails every call of the batch', async (t) => {
  const batcher = new CallBatcher<number, number>(async () => [1], 4);
  const calls = [batcher.call(1), batcher.call(2)];
  for (const call of calls) await t.throwsAsync(call, { message: 'batched call answered 1 of 2 items' });
});

test('a batch size below 1 is refused', (t) => {
  t.throws(() => new CallBatcher<number, number>(async (items) => items, 0), { instanceOf: RangeError, message: /maxBatch/ });
});
