import type { Middleware } from 'koa';
import type { ApiState } from './context.js';

const ALLOWED_METHODS = 'GET, POST, OPTIONS';
const ALLOWED_HEADERS = 'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Request-Id';
const EXPOSED_HEADERS = 'Location, Retry-After, X-Request-Id, Idempotent-Replayed, WWW-Authenticate';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/**
 * CORS for the browser origins an operator listed (CORS_ORIGINS), and for no others: with the list
 * empty this adds nothing, so browsers keep other sites' scripts away from the API. Requests carry
 * a bearer key, never cookies, so credentials are not allowed.
 */
export function cors(origins: readonly string[]): Middleware<ApiState> {
  const allowed = new Set(origins);
  return async (ctx, next) => {
    if (allowed.size === 0) return next();
    ctx.vary('Origin');
    const origin = ctx.get('Origin');
    if (!allowed.has(origin)) return next();
    ctx.set('Access-Control-Allow-Origin', origin);
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method') !== '') {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', PREFLIGHT_MAX_AGE_SECONDS);
      ctx.status = 204;
      return;
    }
    ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    return next();
  };
}
