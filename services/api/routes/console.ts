import type Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiState } from '../context.js';
import type { ConsoleAsset } from '../console-assets.js';

/**
 * Only this origin's scripts, styles and API: the page holds an API key in sessionStorage, so
 * nothing from elsewhere may run in it or frame it.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET /ui (DESIGN §5): the web console, served without a key (it signs in in the browser and
 * calls /v1 with the key as a bearer header). Its assets are public and fixed at start-up.
 */
export function registerConsoleRoutes(router: Router<ApiState>, assets: ReadonlyMap<string, ConsoleAsset>): void {
  const send = (ctx: Context, asset: ConsoleAsset, cache: string) => {
    ctx.type = asset.type;
    ctx.set('Cache-Control', cache);
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.body = asset.body;
  };

  router.get('/ui', (ctx) => {
    const page = assets.get('index.html');
    if (page) send(ctx, page, 'no-cache');
  });
  router.get('/ui/*file', (ctx) => {
    const asset = assets.get(String(ctx.params.file ?? ''));
    // A miss falls through to the API's 404 problem.
    if (asset) send(ctx, asset, 'no-cache');
  });
}
