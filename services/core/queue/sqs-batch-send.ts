import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueUnavailableError } from './errors.js';

export interface OutgoingMessage {
  body: string;
  /** Whole seconds, at most 900. */
  delaySeconds?: number;
}

/** A message SQS refused for its content (sender fault), by its position in the batch. */
export interface RefusedMessage {
  index: number;
  reason: string;
}

/** Entries SQS failed on its own side are sent again this many times before giving up. */
const FAILED_ENTRY_RETRIES = 4;

/**
 * One SendMessageBatch of at most 10 messages (their bodies within the size limit together). Entries
 * SQS failed on its own side are sent again, only those, with backoff; entries it refused are
 * returned. A call that fails as a whole throws the SDK's error, after the SDK's own retries.
 */
export async function sendMessageBatch(client: SQSClient, queueUrl: string, messages: readonly OutgoingMessage[]): Promise<RefusedMessage[]> {
  const refused: RefusedMessage[] = [];
  let pending = messages.map((_, index) => index);
  for (let attempt = 0; ; attempt += 1) {
    const entries = pending.map((index) => ({
      Id: String(index),
      MessageBody: messages[index]?.body,
      DelaySeconds: messages[index]?.delaySeconds || undefined,
    }));
    const { Failed: failed = [] } = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    for (const entry of failed) {
      if (entry.SenderFault) refused.push({ index: Number(entry.Id), reason: `${entry.Code}: ${entry.Message ?? 'refused'}` });
    }
    const retry = failed.filter((entry) => !entry.SenderFault);
    if (retry.length === 0) return refused;
    if (attempt === FAILED_ENTRY_RETRIES) {
      throw new QueueUnavailableError(`SQS failed ${retry.length} batch entries ${attempt + 1} times (${retry[0]?.Code}: ${retry[0]?.Message})`);
    }
    pending = retry.map((entry) => Number(entry.Id));
    await sleep(100 * 2 ** attempt * (0.5 + Math.random()));
  }
}
