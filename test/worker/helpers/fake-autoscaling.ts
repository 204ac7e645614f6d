import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The AutoScaling Query API's CompleteLifecycleAction on 127.0.0.1. moto_server does not implement
 * CompleteLifecycleAction, so this stand-in records the calls (their form parameters) and answers
 * like AWS does.
 */
export interface FakeAutoScaling {
  endpoint: string;
  readonly calls: Record<string, string>[];
  close(): Promise<void>;
}

export async function startFakeAutoScaling(): Promise<FakeAutoScaling> {
  const calls: Record<string, string>[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      calls.push(params);
      const action = params.Action ?? 'Unknown';
      response
        .writeHead(200, { 'content-type': 'text/xml' })
        .end(
          `<${action}Response xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><${action}Result/>` +
            `<ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></${action}Response>`,
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
