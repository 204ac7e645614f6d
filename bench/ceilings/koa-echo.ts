import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { announce } from '../harness/ipc.js';

/**
 * The API ingest ceiling: a bare Koa app that reads a JSON body the way the API does (raw-body with
 * a limit, JSON.parse) and answers 202 with it echoed. Everything the real API does beyond this is
 * what the ratio prices.
 */
const LIMIT_BYTES = 256 * 1024;

const app = new Koa();
app.use(async (ctx) => {
  const raw = await getRawBody(ctx.req, { length: ctx.request.length, limit: LIMIT_BYTES });
  ctx.status = 202;
  ctx.body = { echo: JSON.parse(raw.toString('utf8')) };
});

const server = createServer(app.callback());
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  announce({ type: 'ready', url: `http://127.0.0.1:${port}` });
});
// A graceful exit, so `node --cpu-prof` writes its profile.
process.once('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
