import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { Logger } from '../core/logger.js';
import type { ApiState } from './context.js';
import type { ApiMetrics } from './metrics.js';
import { PROBLEM_CONTENT_TYPE, problemForError, problemForStatus } from './problem.js';
import type { Problem } from './schemas.js';

const CLIENT_REQUEST_ID = /^[\w.:-]{1,128}$/;
/** During an outage every request fails the same way; one warning per this interval says it all. */
const OUTAGE_WARNING_INTERVAL_MS = 10_000;

/**
 * The outermost middleware: gives each request an id (the client's X-Request-Id when sane),
 * answers every failure as problem+json, counts and times the request, and logs it: one debug line
 * per request (info would cost too much at thousands of requests a second), a warning per dependency
 * outage every 10 s (with how many requests it failed), error with the stack for a bug.
 */
export function observeRequests(logger: Logger, metrics: ApiMetrics, now: () => number): Middleware<ApiState> {
  const outages = new Map<string, { warnedAt: number; failed: number }>();
  const warnOutage = (dependency: string, requestId: string, detail: string) => {
    const outage = outages.get(dependency) ?? { warnedAt: -Infinity, failed: 0 };
    outage.failed += 1;
    outages.set(dependency, outage);
    if (now() - outage.warnedAt < OUTAGE_WARNING_INTERVAL_MS) return;
    logger.warn({ dependency, requestId, detail, failedRequests: outage.failed }, 'dependency unavailable: answering 503');
    outage.warnedAt = now();
    outage.failed = 0;
  };

  return async (ctx, next) => {
    const started = performance.now();
    const offered = ctx.get('X-Request-Id');
    const requestId = CLIENT_REQUEST_ID.test(offered) ? offered : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);

    try {
      await next();
      if (ctx.body == null && (ctx.status === 404 || ctx.status === 405 || ctx.status === 501)) {
        // The router answers 501 to a method it has never heard of (PROPFIND); for the client that is
        // the same mistake as any other wrong method, with the same Allow header, and a 5xx would
        // read as the server's fault.
        const status = ctx.status === 501 ? 405 : ctx.status;
        respondWithProblem(ctx, problemForStatus(status, requestId, `${ctx.method} ${ctx.path} is not a route of this API`), {});
      }
    } catch (error) {
      const { problem, headers, expected } = problemForError(error, requestId);
      respondWithProblem(ctx, problem, headers);
      if (!expected) logger.error({ err: error, requestId, method: ctx.method, path: ctx.path }, 'request failed');
      else if (problem.status === 503) warnOutage(String(problem.dependency), requestId, (error as Error).message);
    }

    const route = routePattern(ctx);
    const seconds = (performance.now() - started) / 1000;
    metrics.requests.inc({ method: ctx.method, route, status: ctx.status });
    metrics.duration.observe({ method: ctx.method, route }, seconds);
    if (logger.isLevelEnabled('debug')) {
      // At trace, with the request's headers for debugging; the logger redacts Authorization.
      const headers = logger.isLevelEnabled('trace') ? { headers: ctx.headers } : {};
      logger.debug({ requestId, method: ctx.method, path: ctx.path, route, status: ctx.status, ms: Math.round(seconds * 1e4) / 10, ...headers }, 'request');
    }
  };
}

function respondWithProblem(ctx: Context, problem: Problem, headers: Record<string, string>): void {
  ctx.status = problem.status;
  ctx.set(headers);
  ctx.type = PROBLEM_CONTENT_TYPE;
  ctx.body = problem;
}

/** The matched route's pattern; one fixed label for anything unmatched so scanners cannot explode the series. */
function routePattern(ctx: Context): string {
  const matched = (ctx as Context & { _matchedRoute?: string | RegExp })._matchedRoute;
  return typeof matched === 'string' ? matched : 'unmatched';
}
