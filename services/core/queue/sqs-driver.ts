import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  type QueueAttributeName,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type SQSClientConfig,
} from '@aws-sdk/client-sqs';
import type { Logger } from '../logger.js';
import { untilAborted } from './abandon-on-abort.js';
import type { Delivery, ExtendFailure, QueueDepth, QueueDriver, ReceiveOptions, ReleaseOptions, SendOptions } from './contract.js';
import { DeliveryHandles } from './delivery-handles.js';
import { DeliveryNotHeldError, MessageRejectedError, QueueUnavailableError } from './errors.js';
import { assertBodySize, assertDelaySeconds, assertPriority, assertReceiveArguments, assertVisibilitySeconds } from './limits.js';
import { PendingWork } from './pending-work.js';
import { type OutgoingMessage, sendMessageBatch } from './sqs-batch-send.js';
import { MAX_BATCH_ENTRIES, planSendBatches } from './sqs-batches.js';
import { deadLetterAttributes } from './sqs-dead-letter.js';
import { classifySqsError, isNotHeld } from './sqs-errors.js';
import { SendCoalescer } from './sqs-send-coalescer.js';
import { changeVisibilityBatch } from './sqs-visibility-batch.js';

/**
 * The queue on Amazon SQS (standard queue) for production. Sends made close together share
 * SendMessageBatch calls. The queue's own RedrivePolicy moves a message whose receivers keep crashing
 * (maxReceiveCount) to the dead-letter queue; `deadLetter` moves poison there explicitly, with the
 * reason as a message attribute.
 *
 * Priority (SendOptions.priority above 0) sends to a second, high-priority queue when one is
 * configured. A receive takes from it first, without waiting, and from the normal queue only when it
 * gave nothing; an idle receiver's long poll on the normal queue is kept short
 * (`highPriorityRecheckSeconds`) so a high-priority run sent meanwhile waits at most that long.
 * Both queues redrive to the one dead-letter queue.
 */

export interface SqsDriverOptions {
  queueUrl: string;
  /** Queue for runs sent with a priority above 0, drained first; without it priority is ignored. */
  highPriorityQueueUrl?: string;
  /** Longest long poll on the normal queue while a high-priority queue exists. @defaultValue 2 */
  highPriorityRecheckSeconds?: number;
  deadLetterQueueUrl: string;
  /**
   * How long a received message stays hidden unless extended (ReceiveMessage's VisibilityTimeout):
   * short, so a receiver that dies holding it lets it go soon. The queue's own visibility timeout when
   * absent.
   */
  visibilitySeconds?: number;
  region: string;
  /** An SQS-compatible endpoint (emulators); AWS's endpoint for `region` when absent. */
  endpoint?: string;
  /** AWS's default credential chain when absent. */
  credentials?: SQSClientConfig['credentials'];
  /** Keep-alive connections to SQS; long polls each hold one. @defaultValue 256 */
  maxSockets?: number;
  /** SendMessageBatch (or ChangeMessageVisibilityBatch) calls in flight at once for one `sendBatch` (`extendVisibilityMany`). @defaultValue 16 */
  sendConcurrency?: number;
  logger: Logger;
}

interface Receipt {
  queueUrl: string;
  receiptHandle: string;
}

/** SQS API caps. */
const MAX_WAIT_SECONDS = 20;
const MAX_RECEIVE_MESSAGES = 10;
const MAX_REASON_CHARS = 1024;
const PING_TIMEOUT_MS = 3_000;
/** A long poll lasts at most 20 s; its hand-back needs a moment more. */
const CLOSE_WAIT_MS = 25_000;

export class SqsDriver implements QueueDriver {
  readonly name = 'sqs' as const;
  private readonly client: SQSClient;
  /** One coalescer per queue: a SendMessageBatch goes to a single queue. */
  private readonly sends = new Map<string, SendCoalescer>();
  /** The queue a delivery came from and its receipt handle. */
  private readonly handles = new DeliveryHandles<Receipt>();
  private readonly pending = new PendingWork();
  private closed = false;
  private readonly logger: Logger;

  constructor(private readonly options: SqsDriverOptions) {
    if (options.visibilitySeconds !== undefined) assertVisibilitySeconds('visibilitySeconds', options.visibilitySeconds);
    this.logger = options.logger.child({ driver: 'sqs' });
    const agent = { keepAlive: true, maxSockets: options.maxSockets ?? 256 };
    this.client = new SQSClient({
      region: options.region,
      endpoint: options.endpoint,
      credentials: options.credentials,
      requestHandler: {
        httpAgent: new HttpAgent(agent),
        httpsAgent: new HttpsAgent(agent),
        connectionTimeout: 3_000,
        // Longer than the longest long poll; a connection that goes silent fails (and is retried) instead of hanging.
        requestTimeout: (MAX_WAIT_SECONDS + 15) * 1000,
        throwOnRequestTimeout: true,
      },
    });
    for (const url of [options.queueUrl, options.highPriorityQueueUrl]) {
      if (url) this.sends.set(url, new SendCoalescer((messages) => this.call(() => sendMessageBatch(this.client, url, messages))));
    }
  }

  async send(body: string, options: SendOptions = {}): Promise<void> {
    assertBodySize(body);
    const queueUrl = this.queueFor(options);
    await this.coalescer(queueUrl).send({ body, delaySeconds: wholeSeconds(options.delaySeconds ?? 0) });
  }

  /** Batches of 10 (per queue) sent concurrently. Not atomic: when it throws, some messages may have been sent. */
  async sendBatch(bodies: readonly string[], options: readonly SendOptions[] = []): Promise<void> {
    bodies.forEach((body, index) => assertBodySize(body, index));
    const byQueue = new Map<string, number[]>();
    bodies.forEach((_, index) => {
      const queueUrl = this.queueFor(options[index] ?? {});
      byQueue.set(queueUrl, [...(byQueue.get(queueUrl) ?? []), index]);
    });
    const batches = [...byQueue].flatMap(([queueUrl, positions]) =>
      planSendBatches(positions.map((index) => bodies[index] as string)).map((batch) => ({ queueUrl, indexes: batch.map((at) => positions[at] as number) })),
    );
    const refused: number[] = [];
    await inParallel(batches, this.options.sendConcurrency ?? 16, async ({ queueUrl, indexes }) => {
      const messages: OutgoingMessage[] = indexes.map((index) => ({
        body: bodies[index] as string,
        delaySeconds: wholeSeconds(options[index]?.delaySeconds ?? 0),
      }));
      const refusals = await this.call(() => sendMessageBatch(this.client, queueUrl, messages));
      refused.push(...refusals.map((refusal) => indexes[refusal.index] as number));
    });
    if (refused.length > 0) {
      refused.sort((a, b) => a - b);
      throw new MessageRejectedError(`SQS refused ${refused.length} of ${bodies.length} messages (entries ${refused.join(', ')})`, refused);
    }
  }

  async receive(max: number, { waitSeconds, signal }: ReceiveOptions): Promise<Delivery[]> {
    assertReceiveArguments(max, waitSeconds);
    const { highPriorityQueueUrl: highUrl, queueUrl } = this.options;
    if (highUrl === undefined) return this.receiveFrom(queueUrl, max, waitSeconds, signal);
    const deadline = Date.now() + waitSeconds * 1000;
    for (;;) {
      const high = await this.receiveFrom(highUrl, max, 0, signal);
      if (high.length > 0) return high;
      const left = Math.max(0, (deadline - Date.now()) / 1000);
      const normal = await this.receiveFrom(queueUrl, max, Math.min(left, this.options.highPriorityRecheckSeconds ?? 2), signal);
      if (normal.length > 0 || Date.now() >= deadline || signal?.aborted || this.closed) return normal;
    }
  }

  private async receiveFrom(queueUrl: string, max: number, waitSeconds: number, signal: AbortSignal | undefined): Promise<Delivery[]> {
    if (signal?.aborted || this.closed) return [];
    const command = new ReceiveMessageCommand({
      QueueUrl: queueUrl,
      // One call, capped at `max`, so a worker never holds more messages than it has free slots.
      MaxNumberOfMessages: Math.min(max, MAX_RECEIVE_MESSAGES),
      WaitTimeSeconds: Math.min(Math.ceil(waitSeconds), MAX_WAIT_SECONDS),
      VisibilityTimeout: this.options.visibilitySeconds === undefined ? undefined : wholeSeconds(this.options.visibilitySeconds),
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    });
    // An aborted HTTP request would not stop SQS from handing messages to it (hidden until their
    // visibility lapses), so an abort abandons the poll instead and hands back what it brings.
    const poll = this.pending.track(this.client.send(command));
    let output;
    try {
      output = await untilAborted(poll, signal, (late) => this.handBack(queueUrl, late.Messages ?? []));
    } catch (error) {
      throw this.translate(error);
    }
    // The visibility timeout started while the answer was on its way back: at most a round trip earlier.
    const receivedAt = Date.now();
    return (output?.Messages ?? []).map((message) =>
      this.handles.issue(
        {
          id: message.MessageId ?? '',
          body: message.Body ?? '',
          receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
          sentAt: Number(message.Attributes?.SentTimestamp) || undefined,
          receivedAt,
        },
        { queueUrl, receiptHandle: message.ReceiptHandle ?? '' },
      ),
    );
  }

  async ack(delivery: Delivery): Promise<void> {
    const { queueUrl, receiptHandle } = this.handles.get(delivery);
    await this.call(() => this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle })), delivery);
    this.handles.forget(delivery);
  }

  async release(delivery: Delivery, { delaySeconds, body }: ReleaseOptions): Promise<void> {
    assertDelaySeconds('delaySeconds', delaySeconds);
    if (body !== undefined) assertBodySize(body);
    const receipt = this.handles.get(delivery);
    if (body === undefined) {
      await this.changeVisibility(delivery, receipt, delaySeconds);
      this.handles.forget(delivery);
      return;
    }
    // Send first (to the queue it came from, so it keeps its priority), then delete: a crash in
    // between leaves a duplicate (dropped by the run store), never a loss.
    await this.coalescer(receipt.queueUrl).send({ body, delaySeconds: wholeSeconds(delaySeconds) });
    await this.removeAfterCopy(delivery, receipt, 'release');
  }

  /** ChangeMessageVisibilityBatch calls of up to 10 entries of one queue, several at once. */
  async extendVisibilityMany(deliveries: readonly Delivery[], seconds: number): Promise<ExtendFailure[]> {
    assertVisibilitySeconds('seconds', seconds);
    const failures: ExtendFailure[] = [];
    const byQueue = new Map<string, { delivery: Delivery; receiptHandle: string }[]>();
    for (const delivery of deliveries) {
      let receipt: Receipt;
      try {
        receipt = this.handles.get(delivery);
      } catch (error) {
        failures.push({ delivery, error: error as Error });
        continue;
      }
      const held = byQueue.get(receipt.queueUrl) ?? [];
      held.push({ delivery, receiptHandle: receipt.receiptHandle });
      byQueue.set(receipt.queueUrl, held);
    }
    const calls = [...byQueue].flatMap(([queueUrl, held]) =>
      Array.from({ length: Math.ceil(held.length / MAX_BATCH_ENTRIES) }, (_, at) => ({ queueUrl, held: held.slice(at * MAX_BATCH_ENTRIES, (at + 1) * MAX_BATCH_ENTRIES) })),
    );
    await inParallel(calls, this.options.sendConcurrency ?? 16, async ({ queueUrl, held }) => {
      const handles = held.map((entry) => entry.receiptHandle);
      let failed;
      try {
        failed = await changeVisibilityBatch(this.client, queueUrl, handles, wholeSeconds(seconds));
      } catch (error) {
        const translated = this.translate(error);
        failures.push(...held.map(({ delivery }) => ({ delivery, error: translated instanceof Error ? translated : new Error(String(translated)) })));
        return;
      }
      for (const entry of failed) {
        const delivery = held[entry.index]?.delivery as Delivery;
        const text = `delivery ${delivery.id}: ${entry.code}: ${entry.message}`;
        if (isNotHeld(entry.code, entry.message)) {
          this.handles.forget(delivery);
          failures.push({ delivery, error: new DeliveryNotHeldError(delivery.id, `${text} (no longer held)`) });
        } else {
          failures.push({ delivery, error: entry.senderFault ? new Error(text) : new QueueUnavailableError(text) });
        }
      }
    });
    return failures;
  }

  async deadLetter(delivery: Delivery, reason: string): Promise<void> {
    const receipt = this.handles.get(delivery);
    const text = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS - 1)}…` : reason;
    const attributes = deadLetterAttributes(delivery.body, { reason: text, sourceMessageId: delivery.id, receiveCount: delivery.receiveCount });
    if (attributes.reason?.StringValue !== (text || '(no reason given)')) {
      this.logger.warn({ deliveryId: delivery.id, reason: text }, 'dead-letter copy too large for its whole reason; the reason is whole only in this log');
    }
    const copy = new SendMessageCommand({ QueueUrl: this.options.deadLetterQueueUrl, MessageBody: delivery.body, MessageAttributes: attributes });
    await this.call(() => this.client.send(copy));
    await this.removeAfterCopy(delivery, receipt, 'deadLetter');
  }

  /** Both run queues added up. */
  async depth(): Promise<QueueDepth> {
    const runQueues = [...this.sends.keys()].map((queueUrl) =>
      this.call(() =>
        this.client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        ),
      ),
    );
    const deadLetterAttributes = new GetQueueAttributesCommand({
      QueueUrl: this.options.deadLetterQueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    });
    const [deadLetters, ...queues] = await Promise.all([this.call(() => this.client.send(deadLetterAttributes)), ...runQueues]);
    const count = (name: QueueAttributeName) => queues.reduce((sum, queue) => sum + Number(queue.Attributes?.[name] ?? 0), 0);
    return {
      visible: count('ApproximateNumberOfMessages'),
      inFlight: count('ApproximateNumberOfMessagesNotVisible'),
      delayed: count('ApproximateNumberOfMessagesDelayed'),
      deadLettered: Number(deadLetters.Attributes?.ApproximateNumberOfMessages ?? 0),
    };
  }

  async ping(): Promise<void> {
    const command = new GetQueueAttributesCommand({ QueueUrl: this.options.queueUrl, AttributeNames: ['QueueArn'] });
    await this.call(() => this.client.send(command, { abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS) }));
  }

  /** Waits for long polls still running (at most 20 s) and their hand-backs, so none strands a message. */
  async close(): Promise<void> {
    this.closed = true;
    await this.pending.settled(CLOSE_WAIT_MS);
    this.client.destroy();
  }

  private queueFor({ delaySeconds = 0, priority = 0 }: SendOptions): string {
    assertDelaySeconds('delaySeconds', delaySeconds);
    assertPriority('priority', priority);
    return priority > 0 && this.options.highPriorityQueueUrl ? this.options.highPriorityQueueUrl : this.options.queueUrl;
  }

  private coalescer(queueUrl: string): SendCoalescer {
    return this.sends.get(queueUrl) as SendCoalescer;
  }

  private async changeVisibility(delivery: Delivery, { queueUrl, receiptHandle }: Receipt, seconds: number): Promise<void> {
    const command = new ChangeMessageVisibilityCommand({
      QueueUrl: queueUrl,
      ReceiptHandle: receiptHandle,
      VisibilityTimeout: wholeSeconds(seconds),
    });
    await this.call(() => this.client.send(command), delivery);
  }

  /** Makes messages that arrived for an abandoned poll visible again at once. */
  private handBack(queueUrl: string, messages: Message[]): void {
    if (messages.length === 0) return;
    const handBack = changeVisibilityBatch(
      this.client,
      queueUrl,
      messages.map((message) => message.ReceiptHandle as string),
      0,
    );
    this.pending.track(handBack).catch((error: unknown) =>
      this.logger.warn({ err: error, count: messages.length }, 'could not hand back messages received after abort; they return after their visibility lapses'),
    );
  }

  /**
   * Deletes the original once its copy (a re-send or the dead-letter copy) is safely stored. If the
   * delete fails the original comes back after its visibility and the run store drops it as a
   * duplicate, so the caller is not asked to retry (which would make another copy).
   */
  private async removeAfterCopy(delivery: Delivery, { queueUrl, receiptHandle }: Receipt, operation: string): Promise<void> {
    this.handles.forget(delivery);
    try {
      await this.call(() => this.client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: receiptHandle })));
    } catch (error) {
      this.logger.warn({ err: error, deliveryId: delivery.id, operation }, 'copy stored but the original could not be deleted; it will be delivered again');
    }
  }

  /** Runs one SQS request, turning its failure into the queue's typed errors. */
  private async call<Output>(request: () => Promise<Output>, delivery?: Delivery): Promise<Output> {
    try {
      return await request();
    } catch (error) {
      const translated = this.translate(error, delivery);
      if (delivery && translated instanceof DeliveryNotHeldError) this.handles.forget(delivery);
      throw translated;
    }
  }

  private translate(error: unknown, delivery?: Delivery): unknown {
    if (error instanceof QueueUnavailableError) return error;
    const message = error instanceof Error ? error.message : String(error);
    switch (classifySqsError(error)) {
      case 'unavailable':
        return new QueueUnavailableError(`SQS unavailable: ${message}`, { cause: error });
      case 'not-held':
        return delivery ? new DeliveryNotHeldError(delivery.id, `delivery ${delivery.id} is no longer held: ${message}`, { cause: error }) : error;
      case 'rejected':
        return new MessageRejectedError(`SQS refused the message: ${message}`, [0], { cause: error });
      case 'request':
        return error;
    }
  }
}

/** SQS takes whole seconds; rounding up never makes a message visible earlier than asked. */
function wholeSeconds(seconds: number): number {
  return Math.ceil(seconds);
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    for (let item = items[next++]; item !== undefined; item = items[next++]) await work(item);
  });
  await Promise.all(lanes);
}
