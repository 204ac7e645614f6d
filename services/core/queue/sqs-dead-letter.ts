import type { MessageAttributeValue } from '@aws-sdk/client-sqs';
import { bodyBytes, MAX_BODY_BYTES } from './limits.js';

/**
 * The attributes a dead-letter copy carries (why, which message, how many receives), sized so body and
 * attributes together stay within the limit SQS applies to both: a body near the limit keeps all of
 * itself and gives up (part of) the reason instead. Empty when even the bare attributes do not fit.
 */
export function deadLetterAttributes(
  body: string,
  fields: { reason: string; sourceMessageId: string; receiveCount: number },
  limitBytes = MAX_BODY_BYTES,
): Record<string, MessageAttributeValue> {
  const reason = fields.reason || '(no reason given)';
  const others: Record<string, MessageAttributeValue> = {
    sourceMessageId: { DataType: 'String', StringValue: fields.sourceMessageId },
    receiveCount: { DataType: 'Number', StringValue: String(fields.receiveCount) },
  };
  const budget = limitBytes - bodyBytes(body) - attributesBytes({ ...others, reason: { DataType: 'String', StringValue: '' } });
  if (budget < 1) return {};
  return { reason: { DataType: 'String', StringValue: truncateToBytes(reason, budget) }, ...others };
}

/** What SQS counts for an attribute: its name, its type and its value. */
function attributesBytes(attributes: Record<string, MessageAttributeValue>): number {
  return Object.entries(attributes).reduce(
    (sum, [name, value]) => sum + bodyBytes(name) + bodyBytes(value.DataType ?? '') + bodyBytes(value.StringValue ?? ''),
    0,
  );
}

/** The longest prefix of `text` (whole characters, an ellipsis when cut) within `maxBytes` of UTF-8. */
function truncateToBytes(text: string, maxBytes: number): string {
  if (bodyBytes(text) <= maxBytes) return text;
  const characters = [...text];
  let bytes = bodyBytes('…');
  let kept = 0;
  while (kept < characters.length && bytes + bodyBytes(characters[kept] as string) <= maxBytes) {
    bytes += bodyBytes(characters[kept] as string);
    kept += 1;
  }
  return bytes <= maxBytes ? `${characters.slice(0, kept).join('')}…` : '';
}
