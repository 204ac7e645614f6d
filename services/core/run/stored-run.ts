import type { LeaseRecord } from './attempt-decisions.js';
import type { Run } from './model.js';
import { decodeRun } from './run-record.js';

/** A run as stored, with what only the store sees. */
export interface StoredRun {
  run: Run;
  version: number;
  lease?: LeaseRecord;
  /** The lease whose report closed the last attempt. */
  closedBy?: string;
  discarded: boolean;
  /**
   * Not read but assumed from a queue message (a first delivery of a run as the API created it):
   * the write checks that the run's spec names the message's tenant and agent.
   */
  assumed?: boolean;
}

/** The hash fields a decision needs, in the order transition-runs.lua returns them on a conflict. */
export const RECORD_FIELDS = ['ver', 'state', 'spec', 'lease', 'leaseUntil', 'closedBy', 'discarded'] as const;

/** `RECORD_FIELDS` as HMGET (or a conflict reply) returns them; undefined when the run has no record. */
export function storedRun(id: string, fields: (string | null | undefined)[]): StoredRun | undefined {
  const [version, state, spec, lease, leaseUntil, closedBy, discarded] = fields;
  if (!version || !state || !spec) return undefined;
  const stored: StoredRun = { run: decodeRun(id, spec, state), version: Number(version), discarded: discarded === '1' };
  if (lease) stored.lease = { token: lease, expiresAt: Number(leaseUntil) };
  if (closedBy) stored.closedBy = closedBy;
  return stored;
}
