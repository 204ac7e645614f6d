import { MessageNotInflight } from '@aws-sdk/client-sqs';
import test from 'ava';
import { classifySqsError } from '../../services/core/queue/sqs-errors.js';

/** SQS error shapes as the SDK builds them, in both protocol spellings; no server is needed to classify them. */

function sdkError(name: string, message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name, ...fields });
}

test('a receipt handle SQS no longer knows means the delivery is not held', (t) => {
  t.is(classifySqsError(new MessageNotInflight({ message: 'not in flight', $metadata: {} })), 'not-held');
  t.is(classifySqsError(sdkError('AWS.SimpleQueueService.MessageNotInflight', 'x', { $fault: 'client' })), 'not-held');
  t.is(classifySqsError(sdkError('ReceiptHandleIsInvalid', 'x', { $fault: 'client' })), 'not-held');
  t.is(
    classifySqsError(
      sdkError('InvalidParameterValue', 'Value abc for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.', {
        $fault: 'client',
      }),
    ),
    'not-held',
  );
});

test('a refused body is told apart from a wrong request', (t) => {
  t.is(classifySqsError(sdkError('AWS.SimpleQueueService.InvalidMessageContents', 'x', { $fault: 'client' })), 'rejected');
  t.is(classifySqsError(sdkError('SQSServiceException', 'x', { $fault: 'client', __type: 'com.amazonaws.sqs#InvalidMessageContents' })), 'rejected');
  t.is(classifySqsError(sdkError('AWS.SimpleQueueService.NonExistentQueue', 'x', { $fault: 'client' })), 'request');
  t.is(classifySqsError(sdkError('InvalidParameterValue', 'MaxNumberOfMessages is invalid', { $fault: 'client' })), 'request');
});

test('throttling, server faults and no answer at all mean the queue is unavailable', (t) => {
  t.is(classifySqsError(sdkError('RequestThrottled', 'x', { $fault: 'client' })), 'unavailable');
  t.is(classifySqsError(sdkError('ThrottlingException', 'x', { $fault: 'client' })), 'unavailable');
  t.is(classifySqsError(sdkError('InternalError', 'x', { $fault: 'server' })), 'unavailable');
  t.is(classifySqsError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })), 'unavailable');
  t.is(classifySqsError(sdkError('AbortError', 'The operation was aborted')), 'unavailable');
});
