import { startSqs } from '../../test/support/fauxqs.js';
import { announce, serveRequests } from '../harness/ipc.js';

/**
 * fauxqs (the SQS emulator the tests use) in a process of its own, so the SQS client under test and
 * the emulator do not share a core. Announces `{type: 'ready', endpoint, queueUrl, dlqUrl}`.
 */
const sqs = await startSqs({ visibilityTimeout: 900 });
serveRequests({}, { keepAlive: true });
announce({ type: 'ready', endpoint: sqs.endpoint, queueUrl: sqs.queueUrl, dlqUrl: sqs.dlqUrl });
process.once('SIGTERM', () => {
  void sqs.stop().finally(() => process.exit(0));
});
