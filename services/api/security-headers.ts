import type { Middleware } from 'koa';
import type { ApiState } from './context.js';

/**
 * Every response: `X-Content-Type-Options: nosniff`, so a browser never runs a JSON or problem body
 * as something else. Every /v1 response: `Cache-Control: no-store`, as tenant data must not sit in a
 * shared or browser cache (an event stream keeps the value its handler sets).
 */
export function securityHeaders(): Middleware<ApiState> {
  return async (ctx, next) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (ctx.path === '/v1' || ctx.path.startsWith('/v1/')) ctx.set('Cache-Control', 'no-store');
    await next();
  };
}
