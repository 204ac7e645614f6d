import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for the EC2 instance metadata service on 127.0.0.1: no local server can produce a Spot
 * interruption notice, a rebalance recommendation or an ASG scale-in, so this one answers like IMDSv2 does (token required,
 * 404 until a notice exists) and lets the test post one.
 */
export const INSTANCE_ID = 'i-0123456789abcdef0';

export interface FakeImds {
  endpoint: string;
  /** Makes spot/instance-action answer with a reclaim at `time`. */
  noticeSpot(time: Date, action?: string): void;
  /** Makes events/recommendations/rebalance answer with a recommendation noticed at `time`. */
  recommendRebalance(time: Date): void;
  /** Makes autoscaling/target-lifecycle-state answer `state`. */
  setLifecycleState(state: string): void;
  /** Paths GET'ed with a valid token, in order. */
  readonly requests: string[];
  /** Paths answered 500 from now on, as IMDS does on an internal error; `failed` lists the reads that got it. */
  readonly failing: Set<string>;
  readonly failed: string[];
  /** Tokens handed out; a test can revoke them to force a refresh. */
  revokeTokens(): void;
  close(): Promise<void>;
}

export async function startFakeImds(): Promise<FakeImds> {
  let spotAction: string | undefined;
  let lifecycleState: string | undefined;
  let rebalance: string | undefined;
  let tokens = new Set<string>();
  let issued = 0;
  const requests: string[] = [];
  const failing = new Set<string>();
  const failed: string[] = [];
  const server: Server = createServer((request, response) => {
    if (request.method === 'PUT' && request.url === '/latest/api/token') {
      if (!request.headers['x-aws-ec2-metadata-token-ttl-seconds']) return void response.writeHead(400).end();
      const token = `token-${++issued}`;
      tokens.add(token);
      return void response.writeHead(200, { 'content-type': 'text/plain' }).end(token);
    }
    const token = request.headers['x-aws-ec2-metadata-token'];
    if (request.method !== 'GET' || typeof token !== 'string' || !tokens.has(token)) return void response.writeHead(401).end();
    requests.push(request.url ?? '');
    if (failing.has(request.url ?? '')) {
      failed.push(request.url ?? '');
      return void response.writeHead(500).end();
    }
    const body =
      request.url === '/latest/meta-data/spot/instance-action' ? spotAction
      : request.url === '/latest/meta-data/autoscaling/target-lifecycle-state' ? lifecycleState
      : request.url === '/latest/meta-data/events/recommendations/rebalance' ? rebalance
      : request.url === '/latest/meta-data/instance-id' ? INSTANCE_ID
      : undefined;
    if (body === undefined) return void response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    failing,
    failed,
    noticeSpot: (time, action = 'terminate') => (spotAction = JSON.stringify({ action, time: time.toISOString() })),
    recommendRebalance: (time) => (rebalance = JSON.stringify({ noticeTime: time.toISOString() })),
    setLifecycleState: (state) => (lifecycleState = state),
    revokeTokens: () => (tokens = new Set()),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
