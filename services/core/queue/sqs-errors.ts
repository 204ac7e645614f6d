import {
  InvalidMessageContents,
  KmsThrottled,
  MessageNotInflight,
  OverLimit,
  ReceiptHandleIsInvalid,
  RequestThrottled,
} from '@aws-sdk/client-sqs';

/**
 * What an SQS failure means for the caller, decided in one place. SDK retries (with backoff) have
 * already run when an error gets here.
 */
export type SqsFailure =
  /** SQS or the network did not serve the request now; retrying later may work (API: 503). */
  | 'unavailable'
  /** The receipt handle no longer identifies a message this receiver holds. */
  | 'not-held'
  /** SQS refused the message body itself. */
  | 'rejected'
  /** Our request was wrong (bad queue URL, missing permission): a bug or a misconfiguration. */
  | 'request';

export function classifySqsError(error: unknown): SqsFailure {
  if (error instanceof MessageNotInflight || error instanceof ReceiptHandleIsInvalid) return 'not-held';
  if (error instanceof InvalidMessageContents) return 'rejected';
  if (error instanceof RequestThrottled || error instanceof OverLimit || error instanceof KmsThrottled) return 'unavailable';
  if (!(error instanceof Error)) return 'request';
  if (/Throttl/i.test(error.name)) return 'unavailable';
  // SQS reports an expired receipt handle as a generic invalid parameter.
  if (error.name.startsWith('InvalidParameterValue') && /receipt ?handle/i.test(error.message)) return 'not-held';
  const fault = (error as { $fault?: 'client' | 'server' }).$fault;
  // No fault means no SQS answer at all: refused connection, reset, timeout, abort.
  return fault === 'client' ? 'request' : 'unavailable';
}
