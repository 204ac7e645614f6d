import test from 'ava';
import fc from 'fast-check';
import { bodyBytes, MAX_BODY_BYTES } from '../../services/core/queue/limits.js';
import { MAX_BATCH_ENTRIES, planSendBatches } from '../../services/core/queue/sqs-batches.js';

const bodies = fc.array(fc.string({ unit: 'binary', maxLength: 200 }), { maxLength: 60 });

test('batches keep every body exactly once and in order', (t) => {
  fc.assert(
    fc.property(bodies, (input) => {
      t.deepEqual(
        planSendBatches(input).flat(),
        input.map((_, index) => index),
      );
    }),
  );
});

test('a batch never has more than 10 entries nor more bytes than the limit, unless it is a single body', (t) => {
  fc.assert(
    fc.property(bodies, fc.integer({ min: 1, max: 2_000 }), (input, limit) => {
      for (const batch of planSendBatches(input, limit)) {
        t.true(batch.length >= 1 && batch.length <= MAX_BATCH_ENTRIES);
        const bytes = batch.reduce((sum, index) => sum + bodyBytes(input[index] ?? ''), 0);
        t.true(batch.length === 1 || bytes <= limit, `batch of ${batch.length} holds ${bytes} bytes over a limit of ${limit}`);
      }
    }),
  );
});

test('batches are as full as the limits allow: a batch closes only when the next body would not fit', (t) => {
  fc.assert(
    fc.property(bodies, fc.integer({ min: 1, max: 2_000 }), (input, limit) => {
      const batches = planSendBatches(input, limit);
      batches.slice(0, -1).forEach((batch, position) => {
        const next = batches[position + 1]?.[0] ?? 0;
        const bytes = [...batch, next].reduce((sum, index) => sum + bodyBytes(input[index] ?? ''), 0);
        t.true(batch.length === MAX_BATCH_ENTRIES || bytes > limit);
      });
    }),
  );
});

test('ten bodies of 30 KiB do not fit one 256 KiB request, so they go in two', (t) => {
  const large = Array.from({ length: 10 }, () => 'x'.repeat(30 * 1024));
  const batches = planSendBatches(large);
  t.is(batches.length, 2);
  t.true(batches.every((batch) => batch.length * 30 * 1024 <= MAX_BODY_BYTES));
});
