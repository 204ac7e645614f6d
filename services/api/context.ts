import type { Registry } from 'prom-client';
import type { AgentCatalog } from '../core/agents/catalog.js';
import type { FleetSnapshot } from '../core/fleet/fleet-snapshot.js';
import type { WorkerStatus } from '../core/fleet/worker-registry.js';
import type { Logger } from '../core/logger.js';
import type { QueueDriver } from '../core/queue/contract.js';
import type { QueueSample } from '../core/queue/queue-history.js';
import type { RunStore } from '../core/run/store.js';
import type { KeyVerifier } from './key-verifier.js';
import type { TenantLimits } from './tenant-limits.js';

/** What the app needs from the outside world; server.ts wires the real ones, tests may wire their own. */
export interface ApiDependencies {
  store: RunStore;
  queue: QueueDriver;
  keys: KeyVerifier;
  agents: AgentCatalog;
  workers: { list(now?: number): Promise<WorkerStatus[]> };
  /** What the scaler last published (pools and its latest decision); absent while no scaler runs. */
  fleet: { read(): Promise<FleetSnapshot | undefined> };
  /** The queue sampled over the last hour (queue-sampler.ts writes it). */
  queueHistory: { periodSeconds: number; read(now: number): Promise<QueueSample[]> };
  logger: Logger;
  metrics: Registry;
  /** ms since epoch; injected so time-based behaviour can be tested without waiting. */
  now: () => number;
  /** Proxies whose X-Forwarded-For entry names the client (TRUSTED_PROXY_HOPS); 0 or absent: the peer address. */
  trustedProxyHops?: number;
  /** Per-tenant and per-address limits; absent: none (tests and embedders that do not want them). */
  limits?: TenantLimits;
  /** Browser origins allowed by CORS (CORS_ORIGINS); none: CORS is off. */
  corsOrigins?: readonly string[];
  /** Aborted when the server starts closing: long-lived responses (event streams) end then. */
  shutdown?: AbortSignal;
}

/** Per-request state shared by the middlewares and handlers. */
export interface ApiState {
  requestId: string;
  /** Set by requireApiKey on every /v1 route. */
  tenant: string;
}
