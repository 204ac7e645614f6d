import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import type { Middleware } from 'koa';
import { z } from 'zod';
import type { ApiDependencies, ApiState } from '../context.js';
import { NotFoundError } from '../errors.js';
import { pumpRunEvents } from '../run-event-stream.js';
import { runIdParam } from '../schemas.js';
import { parseRequest } from '../validate.js';

/** How long one read of the run's events waits; also how soon a closing server ends an open stream. */
const READ_BLOCK_MS = 1_000;
/** Shorter than the ALB's 60 s idle timeout. */
const KEEP_ALIVE_MS = 15_000;

const lastEventIdHeader = z.string().regex(/^\d{1,15}$/, 'must be the id of an event this stream sent');

/** GET /v1/runs/:id/events (DESIGN §5): the run's events as text/event-stream, resumable with Last-Event-ID. */
export function registerRunEventRoutes(router: Router<ApiState>, auth: Middleware<ApiState>, deps: ApiDependencies): void {
  router.get('/v1/runs/:id/events', auth, async (ctx) => {
    const id = parseRequest(runIdParam, ctx.params.id, 'id');
    const header = ctx.get('Last-Event-ID');
    const after = header === '' ? undefined : parseRequest(lastEventIdHeader, header, 'Last-Event-ID');
    const tenant = ctx.state.tenant;
    if ((await deps.store.get(tenant, id)) === undefined) throw new NotFoundError(`run ${id} not found`);

    const ended = new AbortController();
    const abort = () => ended.abort();
    ctx.res.once('close', abort);
    deps.shutdown?.addEventListener('abort', abort, { once: true });
    const out = new PassThrough();
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache, no-transform');
    // nginx and some proxies buffer responses unless told not to.
    ctx.set('X-Accel-Buffering', 'no');
    // The connection closes with the stream: a closing server would otherwise wait for the idle
    // keep-alive connection it leaves behind to time out.
    ctx.set('Connection', 'close');
    ctx.body = out;
    const source = {
      read: (from: string | undefined) => deps.store.readEvents(id, { after: from, blockMs: READ_BLOCK_MS }),
      status: async () => (await deps.store.get(tenant, id))?.status,
    };
    pumpRunEvents(source, after, out, { signal: ended.signal, keepAliveMs: KEEP_ALIVE_MS, now: deps.now })
      .catch((error: unknown) => deps.logger.warn({ err: error, runId: id }, 'run event stream ended by an error; the client may resume with Last-Event-ID'))
      .finally(() => {
        ctx.res.off('close', abort);
        deps.shutdown?.removeEventListener('abort', abort);
      });
  });
}
