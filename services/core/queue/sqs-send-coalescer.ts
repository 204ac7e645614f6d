import { CallBatcher } from '../call-batcher.js';
import { MessageRejectedError } from './errors.js';
import { bodyBytes, MAX_BODY_BYTES } from './limits.js';
import type { OutgoingMessage, RefusedMessage } from './sqs-batch-send.js';
import { MAX_BATCH_ENTRIES } from './sqs-batches.js';

/**
 * Gathers sends made close together into SendMessageBatch calls of up to 10 messages (and the size
 * limit), so a process that sends one message per request, like the API, makes a tenth of the calls.
 * A batch goes out as soon as it is full, or when the current turn of the event loop ends
 * (call-batcher.ts): a lone send waits for nothing, and sends issued together under load share a call.
 */
export class SendCoalescer {
  /** Answers each message with SQS's reason for refusing it, or undefined when it was stored. */
  private readonly batcher: CallBatcher<OutgoingMessage, string | undefined>;

  constructor(sendBatch: (messages: OutgoingMessage[]) => Promise<RefusedMessage[]>) {
    this.batcher = new CallBatcher(
      async (messages) => {
        const reasons = new Map((await sendBatch(messages)).map((entry) => [entry.index, entry.reason]));
        return messages.map((_, index) => reasons.get(index));
      },
      MAX_BATCH_ENTRIES,
      { weigh: (message) => bodyBytes(message.body), maxWeight: MAX_BODY_BYTES },
    );
  }

  async send(message: OutgoingMessage): Promise<void> {
    const refusal = await this.batcher.call(message);
    if (refusal !== undefined) throw new MessageRejectedError(`SQS refused the message: ${refusal}`, [0]);
  }
}
