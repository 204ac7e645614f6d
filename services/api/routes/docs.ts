import type Router from '@koa/router';
import type { ApiState } from '../context.js';
import type { DocsAssets } from '../docs-assets.js';

/**
 * Redoc renders with inline styles (styled-components) and runs its search index in a worker made
 * from a blob; everything else comes from this origin.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** GET /docs and /docs/redoc.standalone.js (DESIGN §5): the API reference, public like /openapi.json. */
export function registerDocsRoutes(router: Router<ApiState>, assets: DocsAssets): void {
  router.get('/docs', (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.body = assets.page;
  });
  router.get('/docs/redoc.standalone.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = assets.redocBundle;
  });
}
