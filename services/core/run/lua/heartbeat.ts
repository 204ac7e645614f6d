import type { RunKeys } from '../redis-keys.js';
import type { RunScripts } from './scripts.js';

/** heartbeat-1.lua: the lease extended to `until` (ms) if `token` still holds it; and whether a cancel was asked for. */
export interface HeartbeatReply {
  state: 'held' | 'lost' | 'missing';
  cancelRequested: boolean;
}

export async function renewLease(scripts: RunScripts, keys: RunKeys, runId: string, token: string, until: number): Promise<HeartbeatReply> {
  const [state, cancel] = (await scripts.heartbeat(keys.run(runId), token, until)) as [HeartbeatReply['state'], number];
  return { state, cancelRequested: cancel === 1 };
}
