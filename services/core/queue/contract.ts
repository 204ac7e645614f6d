/**
 * The queue contract every driver implements (BullMQ on Redis for local and self-hosted use, SQS in
 * production). Delivery is at least once; exactly-once state changes are the run store's job.
 * Bodies are opaque strings here: parsing and validation live in message.ts, so a poison body
 * reaches the worker intact and can be dead-lettered.
 *
 * One contract test suite (test/core/queue-contract.test.ts) runs against every driver.
 */

/** One received message, held by the receiver until it is acked, released or dead-lettered. */
export interface Delivery {
  /** Driver message id, stable across redeliveries of the same message. */
  readonly id: string;
  readonly body: string;
  /** How many times this message has been received, this delivery included (≥ 1). */
  readonly receiveCount: number;
  /** When the message was first sent, ms since epoch, where the driver knows it. */
  readonly sentAt?: number;
  /**
   * When this receive took the message, ms since epoch (this process's clock): its visibility timeout
   * runs from here, not from when the worker gets round to starting it.
   */
  readonly receivedAt: number;
}

export interface QueueDepth {
  /** Ready to be received now. */
  visible: number;
  /** Received and not yet acked, released or dead-lettered. */
  inFlight: number;
  /** Sent or released with a delay that has not passed yet. */
  delayed: number;
  /** Messages in the dead-letter queue. */
  deadLettered: number;
}

export interface SendOptions {
  /** Hide the message for this long before its first delivery (SQS caps this at 900). */
  delaySeconds?: number;
  /**
   * 0 (the default) to 100; a higher priority is delivered before a lower one waiting at the same
   * time. BullMQ honours every level; SQS has two: above 0 goes to the high-priority queue, which
   * receivers drain first (without one configured, priority is ignored there).
   */
  priority?: number;
}

export interface ReceiveOptions {
  /** Long-poll up to this long when nothing is ready (SQS caps this at 20). */
  waitSeconds: number;
  /** Aborting ends a long poll early with whatever was received (possibly nothing). */
  signal?: AbortSignal;
}

export interface ReleaseOptions {
  /** When the message becomes visible again; 0 hands it to the next receiver at once. */
  delaySeconds: number;
  /**
   * Body of the message that replaces this one (e.g. with `attempt` bumped). Drivers send it as a
   * fresh message and then remove the old one, so redelivery counters only count crashes.
   */
  body?: string;
}

/** A delivery whose visibility a batched extension did not extend, and why. */
export interface ExtendFailure {
  readonly delivery: Delivery;
  /** DeliveryNotHeldError when the receiver no longer holds it; QueueUnavailableError when the backend did not answer. */
  readonly error: Error;
}

export interface QueueDriver {
  readonly name: 'bullmq' | 'sqs';
  send(body: string, options?: SendOptions): Promise<void>;
  /** Sends many bodies in as few calls as the backend allows (SQS: batches of 10); `options[i]` goes with `bodies[i]`. */
  sendBatch(bodies: readonly string[], options?: readonly SendOptions[]): Promise<void>;
  /** Up to `max` deliveries; waits up to `waitSeconds` when none are ready. */
  receive(max: number, options: ReceiveOptions): Promise<Delivery[]>;
  /** Done with the message: it will not be delivered again. */
  ack(delivery: Delivery): Promise<void>;
  /** Give the message back to the queue, visible again after `delaySeconds`. */
  release(delivery: Delivery, options: ReleaseOptions): Promise<void>;
  /**
   * Keep these messages invisible to other receivers for `seconds` more (the heartbeat of running
   * runs), in as few calls as the backend allows (SQS: ChangeMessageVisibilityBatch, 10 per call and
   * queue; BullMQ: one script call). Never rejects for a delivery's sake: resolves with those not
   * extended (none when all were).
   */
  extendVisibilityMany(deliveries: readonly Delivery[], seconds: number): Promise<ExtendFailure[]>;
  /** Move the message to the dead-letter queue with a reason; it is not delivered again. */
  deadLetter(delivery: Delivery, reason: string): Promise<void>;
  depth(): Promise<QueueDepth>;
  /** Resolves when the backend answers; rejects otherwise (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
