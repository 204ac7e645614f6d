import test from 'ava';
import { MessageRejectedError } from '../../services/core/queue/errors.js';
import type { OutgoingMessage, RefusedMessage } from '../../services/core/queue/sqs-batch-send.js';
import { SendCoalescer } from '../../services/core/queue/sqs-send-coalescer.js';

/** The coalescing rules on their own: the batch call is a function here, SQS itself is tested in queue-sqs. */

function recorder(answer: (messages: OutgoingMessage[]) => Promise<RefusedMessage[]> = async () => []) {
  const batches: string[][] = [];
  const coalescer = new SendCoalescer(async (messages) => {
    batches.push(messages.map((message) => message.body));
    return answer(messages);
  });
  return { coalescer, batches };
}

test('sends issued in the same turn share batches of at most 10, in order', async (t) => {
  const { coalescer, batches } = recorder();
  await Promise.all(Array.from({ length: 23 }, (_, index) => coalescer.send({ body: `m${index}` })));
  t.deepEqual(
    batches.map((batch) => batch.length),
    [10, 10, 3],
  );
  t.deepEqual(batches.flat(), Array.from({ length: 23 }, (_, index) => `m${index}`));
});

test('a lone send goes out without waiting for company', async (t) => {
  const { coalescer, batches } = recorder();
  await coalescer.send({ body: 'alone' });
  t.deepEqual(batches, [['alone']]);
});

test('bodies that would pass 256 KiB together go in separate calls', async (t) => {
  const { coalescer, batches } = recorder();
  const large = 'x'.repeat(100 * 1024);
  await Promise.all([large, large, large].map((body) => coalescer.send({ body })));
  t.deepEqual(
    batches.map((batch) => batch.length),
    [2, 1],
  );
});

test('a refused message fails only its own send; a failed call fails every send in it', async (t) => {
  const refusing = recorder(async () => [{ index: 1, reason: 'InvalidMessageContents: bad' }]);
  const results = await Promise.allSettled(['a', 'b', 'c'].map((body) => refusing.coalescer.send({ body })));
  t.deepEqual(
    results.map((result) => result.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  t.true((results[1] as PromiseRejectedResult).reason instanceof MessageRejectedError);

  const outage = new Error('SQS unavailable');
  const failing = recorder(async () => Promise.reject(outage));
  const failed = await Promise.allSettled(['a', 'b'].map((body) => failing.coalescer.send({ body })));
  t.deepEqual(
    failed.map((result) => (result.status === 'rejected' ? result.reason : undefined)),
    [outage, outage],
  );
});
