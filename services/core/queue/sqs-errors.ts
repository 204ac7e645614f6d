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

const NOT_HELD = new Set(['MessageNotInflight', 'ReceiptHandleIsInvalid']);
const REJECTED = new Set(['InvalidMessageContents']);
const BUSY = new Set(['RequestThrottled', 'OverLimit', 'KmsThrottled', 'KMS.ThrottlingException', 'ServiceUnavailable', 'InternalError']);

export function classifySqsError(error: unknown): SqsFailure {
  if (!(error instanceof Error)) return 'request';
  const codes = errorCodes(error);
  const has = (set: Set<string>) => codes.some((code) => set.has(code));
  if (codes.some((code) => isNotHeld(code, error.message))) return 'not-held';
  if (has(REJECTED)) return 'rejected';
  if (has(BUSY) || codes.some((code) => /Throttl/i.test(code))) return 'unavailable';
  const fault = (error as { $fault?: 'client' | 'server' }).$fault;
  // No fault means no SQS answer at all: refused connection, reset, timeout, abort.
  return fault === 'client' ? 'request' : 'unavailable';
}

/** Whether an error code (of a call or of one batch entry) says the receipt handle is no longer held. */
export function isNotHeld(code: string, message: string): boolean {
  const bare = code.replace(/^AWS\.SimpleQueueService\./, '');
  // SQS reports an expired receipt handle as a generic invalid parameter.
  return NOT_HELD.has(bare) || (bare.startsWith('InvalidParameterValue') && /receipt ?handle/i.test(message));
}

/**
 * The error's code in both spellings SQS uses: the JSON protocol's (`__type: com.amazonaws.sqs#X`)
 * and the legacy query protocol's, which the SDK makes the error's name (`AWS.SimpleQueueService.X`).
 */
function errorCodes(error: Error): string[] {
  const type = (error as { __type?: unknown }).__type;
  const codes = [error.name, typeof type === 'string' ? type.slice(type.lastIndexOf('#') + 1) : ''];
  return codes.filter(Boolean).map((code) => code.replace(/^AWS\.SimpleQueueService\./, ''));
}
