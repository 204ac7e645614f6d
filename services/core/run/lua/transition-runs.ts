import type { LeaseRecord } from '../attempt-decisions.js';
import { isTerminal, type Run } from '../model.js';
import type { RunKeys } from '../redis-keys.js';
import { encodeState, specPrefix, statusEvent } from '../run-record.js';
import { storedRun, type StoredRun } from '../stored-run.js';
import type { RunScripts } from './scripts.js';

/**
 * transition-runs.lua: compare-and-sets of runs' states, several in one call. `transitionCall`
 * lays one transition out as the script takes it, `sendTransitions` makes the call for a batch,
 * `writeOutcome` reads one transition's reply.
 */

export interface WriteOptions {
  /** The lease the caller must hold for the write to apply. */
  holding?: string;
  lease?: 'release' | LeaseRecord;
  flagCancel?: boolean;
}

export type WriteOutcome =
  | { kind: 'ok'; version: number }
  | { kind: 'lost' }
  /** The run is at another version (`current`), or gone (`current` undefined); nothing was written. */
  | { kind: 'conflict'; current: StoredRun | undefined };

/** One transition: its 6 keys and 12 arguments, in the script's order. */
export interface TransitionCall {
  keys: string[];
  args: (string | number)[];
}

export type TransitionReply = [string, ...string[]];

/** What every transition of a call shares: the script's first 5 arguments. */
export interface TransitionSettings {
  now: number;
  maxEvents: number;
  /** Status events a run keeps in its hash before it needs an events list. */
  statusEventsInHash: number;
}

/** `after` over `before` (as known at `before.version`), at `now`; a finished run is kept `retentionMs`. */
export function transitionCall(keys: RunKeys, before: StoredRun, after: Run, options: WriteOptions, now: number, retentionMs: number): TransitionCall {
  const { tenant, agent, id } = after;
  const finished = isTerminal(after.status);
  const queuedScore = after.status === 'queued' ? (after.nextAttemptAt ? Date.parse(after.nextAttemptAt) : now) : '';
  return {
    keys: [
      keys.run(id),
      keys.events(id),
      keys.byStatus(tenant, before.run.status),
      keys.byStatus(tenant, after.status),
      keys.byAgentAndStatus(tenant, agent, before.run.status),
      keys.byAgentAndStatus(tenant, agent, after.status),
    ],
    args: [
      before.version,
      options.holding ?? '',
      before.assumed ? specPrefix(tenant, agent) : '',
      id,
      encodeState(after),
      statusEvent(after, new Date(now).toISOString()),
      queuedScore,
      options.lease === 'release' ? '-' : (options.lease?.token ?? ''),
      typeof options.lease === 'object' ? options.lease.expiresAt : '',
      options.flagCancel ? '1' : '',
      finished ? retentionMs : '',
      finished ? keys.expiringMember(tenant, agent, after.status, id) : '',
    ],
  };
}

export async function sendTransitions(scripts: RunScripts, keys: RunKeys, settings: TransitionSettings, calls: TransitionCall[]): Promise<TransitionReply[]> {
  const allKeys = [keys.queued, keys.expiring, ...calls.flatMap((call) => call.keys)];
  const shared = [settings.now, keys.prefix, settings.maxEvents, settings.statusEventsInHash, keys.cancelChannel];
  const args = calls.flatMap((call) => call.args);
  return (await scripts.transitionRuns(allKeys.length, ...allKeys, ...shared, ...args)) as TransitionReply[];
}

export function writeOutcome(id: string, reply: TransitionReply): WriteOutcome {
  switch (reply[0]) {
    case 'ok':
      return { kind: 'ok', version: Number(reply[1]) };
    case 'lost':
      return { kind: 'lost' };
    case 'missing':
      return { kind: 'conflict', current: undefined };
    default:
      return { kind: 'conflict', current: storedRun(id, reply.slice(1)) };
  }
}
