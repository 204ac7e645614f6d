import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake EC2 instance metadata service (IMDSv2) on 127.0.0.1. It is a fake because nothing on this
 * machine can produce a Spot interruption notice. All local workers share its endpoint, so it tells
 * "instances" apart by session token: the first token a worker asks for makes it a new instance (a
 * worker keeps its token for hours), with an instance id of its own that the worker reports in the
 * fleet registry. A notice is posted to one instance id; a replacement worker asks for a fresh token
 * and so is a fresh instance, as on EC2.
 */

export class FakeImds {
  /** Instance id by session token. */
  private readonly byToken = new Map<string, string>();
  private readonly notices = new Map<string, string>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeImds> {
    const server = createServer((request, response) => imds.answer(request.method, request.url, request.headers, response));
    const imds = new FakeImds(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return imds;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** spot/instance-action of `instanceId` answers a terminate at `reclaimAt` from now on. */
  noticeSpot(instanceId: string, reclaimAt: Date): void {
    this.notices.set(instanceId, JSON.stringify({ action: 'terminate', time: reclaimAt.toISOString() }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private answer(method: string | undefined, url: string | undefined, headers: IncomingHttpHeaders, response: ServerResponse): void {
    if (method === 'PUT' && url === '/latest/api/token') {
      if (!headers['x-aws-ec2-metadata-token-ttl-seconds']) return void response.writeHead(400).end();
      const token = `chaos-token-${this.byToken.size + 1}`;
      this.byToken.set(token, `i-chaos${String(this.byToken.size + 1).padStart(10, '0')}`);
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    }
    const token = headers['x-aws-ec2-metadata-token'];
    const instanceId = typeof token === 'string' ? this.byToken.get(token) : undefined;
    if (method !== 'GET' || !instanceId) return void response.writeHead(401).end();
    const body =
      url === '/latest/meta-data/spot/instance-action' ? this.notices.get(instanceId)
      : url === '/latest/meta-data/autoscaling/target-lifecycle-state' ? 'InService'
      : url === '/latest/meta-data/instance-id' ? instanceId
      : undefined;
    if (body === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  }
}
