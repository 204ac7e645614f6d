import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Each service owns a registry (not prom-client's global one), so several services, or several
 * instances in one test process, never collide on metric names. Every series carries `service`.
 * Default process metrics keep their standard names (`process_*`, `nodejs_*`) so stock dashboards
 * work; our own metrics start with METRIC_PREFIX.
 */
export const METRIC_PREFIX = 'agentfleet_';

export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
