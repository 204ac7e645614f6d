import { Counter, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../core/metrics.js';

/** The API's own series. `route` is the route pattern (`/v1/runs/:id`), never the raw path, to bound cardinality. */
export interface ApiMetrics {
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  runsCreated: Counter<'agent'>;
}

export function createApiMetrics(registry: Registry): ApiMetrics {
  return {
    requests: new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request, by route',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    runsCreated: new Counter({
      name: `${METRIC_PREFIX}runs_created_total`,
      help: 'Runs accepted and queued (idempotent replays not counted), by agent',
      labelNames: ['agent'],
      registers: [registry],
    }),
  };
}
