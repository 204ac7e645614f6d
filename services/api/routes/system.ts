import type Router from '@koa/router';
import type { ApiDependencies, ApiState } from '../context.js';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from '../problem.js';
import { READINESS_TIMEOUT_MS, checkReadiness, isReady } from '../readiness.js';

/** /healthz, /readyz, /metrics, /openapi.json: no API key, for load balancers, Prometheus and tooling. */
export function registerSystemRoutes(router: Router<ApiState>, deps: ApiDependencies, openApiDocument: object): void {
  const openApiJson = JSON.stringify(openApiDocument);

  // Alive means the event loop answers; dependencies are /readyz's business, so a Redis outage
  // takes the process out of rotation instead of getting it restarted.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  router.get('/readyz', async (ctx) => {
    const readiness = await checkReadiness(
      () => deps.store.ping(),
      () => deps.queue.ping(),
      READINESS_TIMEOUT_MS,
    );
    if (isReady(readiness)) {
      ctx.body = readiness;
      return;
    }
    const down = Object.entries(readiness).filter(([, state]) => state === 'down').map(([name]) => name);
    ctx.status = 503;
    ctx.set('Retry-After', '1');
    ctx.type = PROBLEM_CONTENT_TYPE;
    ctx.body = {
      type: problemTypeUri('not-ready'),
      title: 'Not ready',
      status: 503,
      detail: `unavailable: ${down.join(', ')}`,
      requestId: ctx.state.requestId,
      ...readiness,
    };
  });

  router.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.metrics();
  });

  router.get('/openapi.json', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openApiJson;
  });
}
