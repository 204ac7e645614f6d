import type { RunKeys } from '../redis-keys.js';
import type { RunEvent, RunEventType } from '../store.js';
import type { RunScripts } from './scripts.js';

/** read-events-2.lua: up to `count` events of the run numbered above `after`, oldest first. */
export async function readEvents(scripts: RunScripts, keys: RunKeys, runId: string, after: string, count: number): Promise<RunEvent[]> {
  const entries = (await scripts.readEvents(keys.run(runId), keys.events(runId), after, count)) as string[];
  return entries.map(toEvent);
}

/** `<seq>|<type>|<data JSON>` */
function toEvent(entry: string): RunEvent {
  const first = entry.indexOf('|');
  const second = entry.indexOf('|', first + 1);
  return {
    id: entry.slice(0, first),
    type: entry.slice(first + 1, second) as RunEventType,
    data: JSON.parse(entry.slice(second + 1)) as unknown,
  };
}
