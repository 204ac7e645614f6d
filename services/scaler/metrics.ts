import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from '../core/metrics.js';
import type { Decision } from './policy/types.js';

/** The scaler's Prometheus metrics; sizes are in each pool's units (see FleetPoolSnapshot). */
export class ScalerMetrics {
  private readonly desired: Gauge<'pool'>;
  private readonly running: Gauge<'pool'>;
  private readonly decisions: Counter<'pool' | 'reason'>;
  private readonly leader: Gauge;
  private readonly tickErrors: Counter;
  readonly tickDuration: Histogram;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.desired = new Gauge({ name: `${METRIC_PREFIX}scaler_pool_desired`, help: 'Desired size of each pool after the latest decision.', labelNames: ['pool'], registers });
    this.running = new Gauge({ name: `${METRIC_PREFIX}scaler_pool_running`, help: 'Units of each pool in service.', labelNames: ['pool'], registers });
    this.decisions = new Counter({
      name: `${METRIC_PREFIX}scaler_decisions_total`,
      help: 'Pool size changes, by pool and by each reason that shaped them.',
      labelNames: ['pool', 'reason'],
      registers,
    });
    this.leader = new Gauge({ name: `${METRIC_PREFIX}scaler_leader`, help: '1 while this replica holds the leader lease.', registers });
    this.tickErrors = new Counter({ name: `${METRIC_PREFIX}scaler_tick_errors_total`, help: 'Ticks that failed to read or act.', registers });
    this.tickDuration = new Histogram({
      name: `${METRIC_PREFIX}scaler_tick_duration_seconds`,
      help: 'Time to read state, decide and act.',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  observe(decision: Decision, running: ReadonlyMap<string, number>): void {
    for (const pool of decision.pools) {
      this.desired.set({ pool: pool.name }, pool.desired);
      this.running.set({ pool: pool.name }, running.get(pool.name) ?? 0);
      if (pool.desired === pool.current) continue;
      for (const reason of new Set(pool.reasons.map((r) => r.code))) this.decisions.inc({ pool: pool.name, reason });
    }
  }

  setLeader(leading: boolean): void {
    this.leader.set(leading ? 1 : 0);
  }

  tickFailed(): void {
    this.tickErrors.inc();
  }
}
