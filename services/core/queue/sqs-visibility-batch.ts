import { ChangeMessageVisibilityBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** An entry ChangeMessageVisibilityBatch did not apply, by its position in the call. */
export interface VisibilityEntryFailure {
  index: number;
  code: string;
  message: string;
  /** SQS blames the request (e.g. a receipt handle no longer valid), not itself. */
  senderFault: boolean;
}

/**
 * One ChangeMessageVisibilityBatch of at most 10 receipt handles of one queue, all to `seconds`.
 * Returns the entries SQS did not apply; a call that fails as a whole throws the SDK's error, after
 * the SDK's own retries.
 */
export async function changeVisibilityBatch(
  client: SQSClient,
  queueUrl: string,
  receiptHandles: readonly string[],
  seconds: number,
): Promise<VisibilityEntryFailure[]> {
  const entries = receiptHandles.map((receiptHandle, index) => ({ Id: String(index), ReceiptHandle: receiptHandle, VisibilityTimeout: seconds }));
  const { Failed: failed = [] } = await client.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
  return failed.map((entry) => ({
    index: Number(entry.Id),
    code: entry.Code ?? 'Unknown',
    message: entry.Message ?? 'not changed',
    senderFault: entry.SenderFault ?? false,
  }));
}
