import Router from '@koa/router';
import Koa from 'koa';
import { requireApiKey } from './auth.js';
import { loadConsoleAssets } from './console-assets.js';
import { cors } from './cors.js';
import { loadDocsAssets } from './docs-assets.js';
import type { ApiDependencies, ApiState } from './context.js';
import { createApiMetrics } from './metrics.js';
import { observeRequests } from './observe.js';
import { buildOpenApiDocument } from './openapi.js';
import { registerAgentRoutes } from './routes/agents.js';
import { registerConsoleRoutes } from './routes/console.js';
import { registerDocsRoutes } from './routes/docs.js';
import { registerFleetRoutes } from './routes/fleet.js';
import { registerRunEventRoutes } from './routes/run-events.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerSystemRoutes } from './routes/system.js';
import { securityHeaders } from './security-headers.js';

export const API_VERSION = '1.0.0';

/**
 * The Koa app of DESIGN §5, built from injected dependencies so tests and `agentfleet dev` wire the
 * same code to whatever stores and queues they have. Everything costly (metrics, the OpenAPI
 * document, the console's and the docs' files) is built here once, never per request.
 */
export function createApp(deps: ApiDependencies): Koa<ApiState> {
  const hops = deps.trustedProxyHops ?? 0;
  const app = new Koa<ApiState>({ proxy: hops > 0, maxIpsCount: hops });
  // Failures are answered and logged by observeRequests; Koa's default handler would print them again.
  app.silent = true;

  const metrics = createApiMetrics(deps.metrics);
  const router = new Router<ApiState>();
  const auth = requireApiKey(deps.keys, deps.limits);
  registerRunRoutes(router, auth, deps, metrics);
  registerRunEventRoutes(router, auth, deps);
  registerFleetRoutes(router, auth, deps);
  registerAgentRoutes(router, auth, deps.agents);
  registerSystemRoutes(router, deps, buildOpenApiDocument(API_VERSION));
  registerConsoleRoutes(router, loadConsoleAssets());
  registerDocsRoutes(router, loadDocsAssets());

  app.use(observeRequests(deps.logger, metrics, deps.now));
  app.use(securityHeaders());
  app.use(cors(deps.corsOrigins ?? []));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
