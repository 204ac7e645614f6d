import type { Delivery } from './contract.js';
import { DeliveryNotHeldError } from './errors.js';

/**
 * What a driver needs to settle a delivery (SQS receipt handle, BullMQ job and lock token), kept out
 * of the Delivery object itself so deliveries stay plain data that can be logged without leaking
 * handles or whole jobs. A delivery that was settled, or came from elsewhere, has no handle.
 */
export class DeliveryHandles<Handle> {
  private readonly handles = new WeakMap<Delivery, Handle>();

  issue(fields: Delivery, handle: Handle): Delivery {
    const delivery = Object.freeze({ ...fields });
    this.handles.set(delivery, handle);
    return delivery;
  }

  get(delivery: Delivery): Handle {
    const handle = this.handles.get(delivery);
    if (handle === undefined) throw new DeliveryNotHeldError(delivery.id);
    return handle;
  }

  /** After a successful ack, release or dead-letter: the receiver holds the message no more. */
  forget(delivery: Delivery): void {
    this.handles.delete(delivery);
  }
}
