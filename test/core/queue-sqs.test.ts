import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { createLogger } from '../../services/core/logger.js';
import type { Delivery } from '../../services/core/queue/contract.js';
import { MessageRejectedError } from '../../services/core/queue/errors.js';
import { SqsDriver } from '../../services/core/queue/sqs-driver.js';
import { startSqs, type TestSqs } from '../support/fauxqs.js';

/** SQS-only behaviour, on fauxqs: refused bodies, partial batch failures, abandoned polls (redrive: queue-contract.test.ts). */

const logger = createLogger('queue-test', 'silent');
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function driverFor(sqs: TestSqs, endpoint = sqs.endpoint): SqsDriver {
  return new SqsDriver({ queueUrl: sqs.queueUrl, deadLetterQueueUrl: sqs.dlqUrl, region: 'us-east-1', endpoint, credentials, logger });
}

async function collect(driver: SqsDriver, count: number, timeoutMs = 30_000): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  const received: Delivery[] = [];
  while (received.length < count && Date.now() < deadline) {
    received.push(...(await driver.receive(count - received.length, { waitSeconds: 2 })));
  }
  return received;
}

test('a body SQS refuses is a MessageRejectedError naming the refused batch entries, and the others are sent', async (t) => {
  const sqs = await startSqs();
  const driver = driverFor(sqs);
  try {
    await t.throwsAsync(driver.send('nul \u0000 byte'), { instanceOf: MessageRejectedError });
    const error = await t.throwsAsync(driver.sendBatch(['fine 0', 'nul \u0000 byte', 'fine 2']), { instanceOf: MessageRejectedError });
    t.deepEqual(error?.indexes, [1]);
    const received = await collect(driver, 2);
    t.deepEqual(received.map((delivery) => delivery.body).sort(), ['fine 0', 'fine 2']);
  } finally {
    await driver.close();
    await sqs.stop();
  }
});

/**
 * A proxy in front of fauxqs that counts calls by action. fauxqs never fails a batch entry on its own
 * side, so the proxy does: in its first `failedRounds` SendMessageBatch calls it withholds every
 * third entry from fauxqs and reports it back as an InternalError (SenderFault false), as SQS does
 * under partial failure.
 */
async function startFailingProxy(target: string, failedRounds: number) {
  const forwardedBodies: string[] = [];
  let rounds = 0;
  let injected = 0;
  const calls = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    void (async () => {
      const payload = await readBody(request);
      const action = String(request.headers['x-amz-target']).replace('AmazonSQS.', '');
      calls.set(action, (calls.get(action) ?? 0) + 1);
      const isBatch = request.headers['x-amz-target'] === 'AmazonSQS.SendMessageBatch';
      const input = isBatch ? (JSON.parse(payload) as { Entries: { Id: string; MessageBody: string }[] }) : undefined;
      const injectFailures = input !== undefined && rounds < failedRounds && input.Entries.length > 1;
      if (injectFailures) rounds += 1;
      const withheld = injectFailures ? input.Entries.filter((_, index) => index % 3 === 0) : [];
      injected += withheld.length;
      const forwarded = input ? { ...input, Entries: input.Entries.filter((entry) => !withheld.includes(entry)) } : undefined;
      forwardedBodies.push(...(forwarded?.Entries.map((entry) => entry.MessageBody) ?? []));
      const upstream = await fetch(target + (request.url ?? '/'), {
        method: request.method,
        headers: { 'content-type': String(request.headers['content-type']), 'x-amz-target': String(request.headers['x-amz-target']) },
        body: forwarded ? JSON.stringify(forwarded) : payload,
      });
      let text = await upstream.text();
      if (withheld.length > 0 && upstream.ok) {
        const output = JSON.parse(text) as { Failed?: unknown[] };
        output.Failed = [
          ...(output.Failed ?? []),
          ...withheld.map((entry) => ({ Id: entry.Id, SenderFault: false, Code: 'InternalError', Message: 'injected by the test proxy' })),
        ];
        text = JSON.stringify(output);
      }
      response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/x-amz-json-1.0' });
      response.end(text);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    forwardedBodies,
    injectedFailures: () => injected,
    calls: (action: string) => calls.get(action) ?? 0,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

test('sendBatch sends again only the entries SQS failed on its side, so every body is stored exactly once', async (t) => {
  const sqs = await startSqs();
  const proxy = await startFailingProxy(sqs.endpoint, 3);
  const sender = driverFor(sqs, proxy.endpoint);
  const receiver = driverFor(sqs);
  try {
    const bodies = Array.from({ length: 25 }, (_, index) => `entry ${index}`);
    await sender.sendBatch(bodies);
    t.true(proxy.injectedFailures() > 0);
    t.deepEqual([...proxy.forwardedBodies].sort(), [...bodies].sort(), 'each body reached SQS once, retries included');
    const received = await collect(receiver, 25);
    t.deepEqual(received.map((delivery) => delivery.body).sort(), [...bodies].sort());
  } finally {
    await sender.close();
    await receiver.close();
    await proxy.stop();
    await sqs.stop();
  }
});

test('close waits for an abandoned long poll and hands back what it received, so no message is stranded', async (t) => {
  const sqs = await startSqs({ visibilityTimeout: 600 });
  const closing = driverFor(sqs);
  const other = driverFor(sqs);
  try {
    const controller = new AbortController();
    const polling = closing.receive(1, { waitSeconds: 3, signal: controller.signal });
    controller.abort();
    t.deepEqual(await polling, []);
    // The abandoned poll is still open on the server and takes this message.
    await other.send('taken by an abandoned poll');
    await closing.close();
    const [delivery] = await collect(other, 1, 10_000);
    t.is(delivery?.body, 'taken by an abandoned poll', 'visible again long before its 600 s visibility');
  } finally {
    await other.close();
    await sqs.stop();
  }
});

test('sends made together share SendMessageBatch calls of up to 10 messages, each delivered once', async (t) => {
  const sqs = await startSqs();
  const proxy = await startFailingProxy(sqs.endpoint, 0);
  const sender = driverFor(sqs, proxy.endpoint);
  const receiver = driverFor(sqs);
  try {
    const bodies = Array.from({ length: 50 }, (_, index) => `request ${index}`);
    await Promise.all(bodies.map((body) => sender.send(body)));
    t.is(proxy.calls('SendMessage'), 0);
    t.true(proxy.calls('SendMessageBatch') >= 5 && proxy.calls('SendMessageBatch') <= 10, `${proxy.calls('SendMessageBatch')} batch calls`);
    const received = await collect(receiver, 50);
    t.deepEqual(received.map((delivery) => delivery.body).sort(), [...bodies].sort());
  } finally {
    await sender.close();
    await receiver.close();
    await proxy.stop();
    await sqs.stop();
  }
});
