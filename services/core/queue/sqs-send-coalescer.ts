import { MessageRejectedError } from './errors.js';
import { bodyBytes, MAX_BODY_BYTES } from './limits.js';
import type { OutgoingMessage, RefusedMessage } from './sqs-batch-send.js';
import { MAX_BATCH_ENTRIES } from './sqs-batches.js';

interface Waiting extends OutgoingMessage {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Gathers sends made close together into SendMessageBatch calls of up to 10 messages (and the size
 * limit), so a process that sends one message per request, like the API, makes a tenth of the calls.
 * A batch goes out as soon as it is full, or when the current turn of the event loop ends: a lone
 * send waits for nothing, and sends issued together under load share a call.
 */
export class SendCoalescer {
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private flushScheduled = false;

  constructor(private readonly sendBatch: (messages: OutgoingMessage[]) => Promise<RefusedMessage[]>) {}

  send(message: OutgoingMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const bytes = bodyBytes(message.body);
      if (this.waiting.length > 0 && this.waitingBytes + bytes > MAX_BODY_BYTES) this.flush();
      this.waiting.push({ ...message, resolve, reject });
      this.waitingBytes += bytes;
      if (this.waiting.length === MAX_BATCH_ENTRIES) this.flush();
      else this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    if (batch.length === 0) return;
    this.sendBatch(batch).then(
      (refused) => {
        const reasons = new Map(refused.map((entry) => [entry.index, entry.reason]));
        batch.forEach((waiting, index) => {
          const reason = reasons.get(index);
          if (reason === undefined) waiting.resolve();
          else waiting.reject(new MessageRejectedError(`SQS refused the message: ${reason}`, [0]));
        });
      },
      (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
    );
  }
}
