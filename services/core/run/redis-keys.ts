import { createHash } from 'node:crypto';
import type { RunStatus } from './model.js';

/**
 * Where the run store keeps things in Redis. Every key starts with the prefix (default `af`); on
 * Redis Cluster give a hash-tagged prefix such as `{af}` so that every script's keys share a slot.
 *
 *   <p>:run:<id>                         hash   spec + state (run JSON, run-record.ts), ver (CAS version),
 *                                               lease + leaseUntil (ms) while an attempt runs, cancel ('1'
 *                                               when requested), idem (its idempotency key), reqhash (the
 *                                               fingerprint of the request that sent that key), evseq (number
 *                                               of the last event), events (its first status events, until
 *                                               it has an events list), closedBy (lease token whose report
 *                                               closed the last attempt), discarded ('1' for a tombstone)
 *   <p>:run:<id>:events                  list   the newest N events, '<seq>|<type>|<data JSON>'. A list,
 *                                               not a stream: a new stream preallocates a 4 KB node
 *                                               (stream-node-max-bytes), which alone would break the
 *                                               3 KB-per-running-run budget; a short list is ~200 bytes.
 *   <p>:idem:<sha256(tenant, key)>       string run id of the first run created with that key
 *   <p>:runs:<tenant>                    zset   run ids of a tenant, all scored 0: lexical order is
 *   <p>:runs:<tenant>:status:<status>           creation order because ids are UUIDv7
 *   <p>:runs:<tenant>:agent:<agent>
 *   <p>:runs:<tenant>:agent:<agent>:status:<status>
 *   <p>:queued                           zset   queued run ids, scored by when they became eligible (ms)
 *   <p>:expiring                         zset   index entries of finished runs, scored by expiry (ms)
 *   <p>:unsent                           zset   the outbox: ids of runs recorded whose queue message may not
 *                                               be on the queue yet, scored by when a send was last claimed
 *                                               (ms; creation first). The API removes a run once its send
 *                                               succeeded; a replay or the sweeper sends what stays.
 *   <p>:cancel                           pub/sub channel: ids of running runs a client asked to cancel
 *
 * Tenant and agent names are URI-encoded inside key names, so no name can forge another's key.
 * A finished run's hash, stream and idempotency key expire after the retention; its index entries
 * are removed through `<p>:expiring`.
 */
export class RunKeys {
  /** With the trailing ':'; Lua scripts build index keys from it. */
  readonly prefix: string;
  readonly queued: string;
  readonly expiring: string;
  readonly unsent: string;
  readonly cancelChannel: string;

  constructor(prefix = 'af') {
    this.prefix = `${prefix}:`;
    this.queued = `${prefix}:queued`;
    this.expiring = `${prefix}:expiring`;
    this.unsent = `${prefix}:unsent`;
    this.cancelChannel = `${prefix}:cancel`;
  }

  run(id: string): string {
    return `${this.prefix}run:${id}`;
  }

  events(id: string): string {
    return `${this.prefix}run:${id}:events`;
  }

  idempotency(tenant: string, key: string): string {
    const digest = createHash('sha256').update(JSON.stringify([tenant, key])).digest('base64url');
    return `${this.prefix}idem:${digest}`;
  }

  tenantRuns(tenant: string): string {
    return `${this.prefix}runs:${encodeURIComponent(tenant)}`;
  }

  byStatus(tenant: string, status: RunStatus): string {
    return `${this.tenantRuns(tenant)}:status:${status}`;
  }

  byAgent(tenant: string, agent: string): string {
    return `${this.tenantRuns(tenant)}:agent:${encodeURIComponent(agent)}`;
  }

  byAgentAndStatus(tenant: string, agent: string, status: RunStatus): string {
    return `${this.byAgent(tenant, agent)}:status:${status}`;
  }

  /** The indexes a run is listed in, in the order every script that writes them takes them. */
  indexes(run: { tenant: string; agent: string; status: RunStatus }): string[] {
    return [this.tenantRuns(run.tenant), this.byStatus(run.tenant, run.status), this.byAgent(run.tenant, run.agent), this.byAgentAndStatus(run.tenant, run.agent, run.status)];
  }

  /** What `<p>:expiring` holds for a finished run: enough to find its index entries without the run. */
  expiringMember(tenant: string, agent: string, status: RunStatus, id: string): string {
    return JSON.stringify([encodeURIComponent(tenant), encodeURIComponent(agent), status, id]);
  }
}
