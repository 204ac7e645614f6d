import type { WorkerStatus } from '../../core/fleet/worker-registry.js';
import type { Logger } from '../../core/logger.js';
import { ServiceProcess } from '../../core/service-process.js';
import type { CapacityPool, PoolObservation } from './pool.js';

/**
 * The `local` pool of `agentfleet dev`: `agentfleet worker` child processes of the scaler, each with
 * a fixed number of slots, so a burst visibly grows the local fleet and an empty queue shrinks it.
 * Like an ASG it keeps its desired count: a worker that dies is replaced. Scale-in sends SIGTERM to
 * idle workers first (then the least busy); a stopped worker drains, and runs it cannot finish in its
 * grace time are handed back to the queue, so no run is lost.
 */

export interface LocalPoolOptions {
  min: number;
  max: number;
  slotsPerWorker: number;
  /** Environment of each worker process (REDIS_URL, QUEUE_DRIVER, AGENTS_FILE, ...). */
  env: NodeJS.ProcessEnv;
  /** SIGKILL a stopping worker that has not exited after this long. */
  stopGraceMs: number;
  /** Where workers report themselves: tells idle workers from busy ones. */
  registry: { list(now?: number): Promise<WorkerStatus[]> };
  logger: Logger;
  /** Wait before replacing a worker that exited by itself, so a crashing worker does not spin. */
  restartDelayMs?: number;
}

/** Worker ids are `${hostname}-${pid}-${random}` (services/worker/main.ts): the pid ties a registry entry to a child. */
const PID_IN_WORKER_ID = /-(\d+)-[0-9a-f]+$/;

export class LocalWorkerPool implements CapacityPool {
  readonly name = 'local';
  readonly kind = 'local';
  private desired = 0;
  private readonly workers = new Set<ServiceProcess>();
  private readonly stopping = new Set<Promise<void>>();
  private closed = false;
  private spawned = 0;

  constructor(private readonly options: LocalPoolOptions) {}

  async observe(): Promise<PoolObservation> {
    const registered = new Set((await this.registeredByPid()).keys());
    const running = [...this.workers].filter((w) => w.pid !== undefined && registered.has(w.pid)).length;
    return { desired: this.desired, running, pending: this.workers.size - running, min: this.options.min, max: this.options.max };
  }

  async setDesired(units: number): Promise<void> {
    if (this.closed) return;
    this.desired = Math.min(Math.max(units, this.options.min), this.options.max);
    while (this.workers.size < this.desired) this.start();
    const excess = this.workers.size - this.desired;
    if (excess > 0) for (const worker of await this.pickToStop(excess)) this.stop(worker);
  }

  /** Stops every worker (each drains) and waits for them; the pool starts nothing afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const worker of [...this.workers]) this.stop(worker);
    await Promise.all(this.stopping);
  }

  private start(): void {
    this.spawned += 1;
    const env: NodeJS.ProcessEnv = { ...this.options.env, WORKER_SLOTS: String(this.options.slotsPerWorker), WORKER_POOL: 'local' };
    // Several workers on one machine cannot share one metrics port.
    delete env.WORKER_METRICS_PORT;
    const worker = new ServiceProcess(`worker-${this.spawned}`, ['worker'], env);
    this.workers.add(worker);
    void worker.exited.then((code) => {
      if (!this.workers.delete(worker) || this.closed) return;
      this.options.logger.warn({ worker: worker.name, code }, 'local worker exited; starting a replacement');
      setTimeout(() => void this.setDesired(this.desired), this.options.restartDelayMs ?? 1_000).unref();
    });
  }

  private stop(worker: ServiceProcess): void {
    this.workers.delete(worker);
    const stopped = worker.stop(this.options.stopGraceMs);
    this.stopping.add(stopped);
    void stopped.finally(() => this.stopping.delete(stopped));
  }

  /** Idle workers first, then the least busy; workers not registered yet count as idle. */
  private async pickToStop(count: number): Promise<ServiceProcess[]> {
    const busyByPid = new Map([...(await this.registeredByPid())].map(([pid, status]) => [pid, status.busy]));
    return [...this.workers]
      .map((worker) => ({ worker, busy: (worker.pid !== undefined && busyByPid.get(worker.pid)) || 0 }))
      .sort((a, b) => a.busy - b.busy)
      .slice(0, count)
      .map((entry) => entry.worker);
  }

  private async registeredByPid(): Promise<Map<number, WorkerStatus>> {
    const byPid = new Map<number, WorkerStatus>();
    for (const status of await this.options.registry.list()) {
      const pid = PID_IN_WORKER_ID.exec(status.id)?.[1];
      if (status.pool === 'local' && pid && !status.draining) byPid.set(Number(pid), status);
    }
    return byPid;
  }
}
