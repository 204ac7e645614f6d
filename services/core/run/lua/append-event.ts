import type { RunKeys } from '../redis-keys.js';
import type { RunEventType } from '../store.js';
import type { RunScripts } from './scripts.js';

/** append-event-2.lua: one event at the end of the run's events, the oldest dropped past `maxEvents`; nothing when the run is gone. */
export async function appendEvent(scripts: RunScripts, keys: RunKeys, runId: string, maxEvents: number, type: RunEventType, data: unknown): Promise<void> {
  await scripts.appendEvent(keys.run(runId), keys.events(runId), maxEvents, type, JSON.stringify(data ?? null));
}
