import test from 'ava';
import fc from 'fast-check';
import { bodyBytes } from '../../services/core/queue/limits.js';
import { deadLetterAttributes } from '../../services/core/queue/sqs-dead-letter.js';

/** SQS counts a message's attributes with its body; a dead-letter copy must fit both under the limit. */

const fields = { reason: 'body is not JSON', sourceMessageId: 'b7f1c0de-0000-4000-8000-000000000001', receiveCount: 3 };

function sizeOf(body: string, attributes: ReturnType<typeof deadLetterAttributes>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) => sum + bodyBytes(name) + bodyBytes(value.DataType ?? '') + bodyBytes(value.StringValue ?? ''),
    bodyBytes(body),
  );
}

test('a small message keeps the whole reason, its source id and its receive count', (t) => {
  const attributes = deadLetterAttributes('{"v":1}', fields);
  t.is(attributes.reason?.StringValue, 'body is not JSON');
  t.is(attributes.sourceMessageId?.StringValue, fields.sourceMessageId);
  t.is(attributes.receiveCount?.StringValue, '3');
});

test('a body near the limit keeps all of itself and gives up the end of the reason', (t) => {
  const limit = 1_000;
  const body = 'b'.repeat(limit - 120);
  const attributes = deadLetterAttributes(body, { ...fields, reason: 'é'.repeat(200) }, limit);
  const reason = attributes.reason?.StringValue ?? '';
  t.true(reason.endsWith('…'));
  t.true(reason.length > 1);
  t.true(sizeOf(body, attributes) <= limit);
});

test('a body at the limit goes without attributes', (t) => {
  t.deepEqual(deadLetterAttributes('b'.repeat(1_000), fields, 1_000), {});
});

test('body and attributes never pass the limit together', (t) => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 300 }), (body, reason) => {
      const attributes = deadLetterAttributes(body, { ...fields, reason }, 700);
      t.true(Object.keys(attributes).length === 0 || sizeOf(body, attributes) <= 700);
    }),
  );
});
