import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * The run store's Lua scripts, one file each, named BullMQ-style for what they do and how many keys
 * they take (`create-run-8.lua`; a name without a count takes a variable number, passed first at each
 * call). A line `--- @include "name"` is replaced by includes/name.lua, for code several scripts share.
 * Registered with ioredis `defineCommand`, so each call is one EVALSHA (falling back to EVAL once after
 * a Redis restart flushed the script cache). The .lua files are read from beside this module, so a
 * build must copy them next to the compiled JS.
 *
 * These calls are untyped; the store calls each script through its wrapper beside it (`create-run.ts`
 * for `create-run-8.lua`, ...), which lays out the keys and arguments and decodes the reply.
 */

const SCRIPT_FILES = {
  createRun: 'create-run-8.lua',
  createRuns: 'create-runs.lua',
  transitionRuns: 'transition-runs.lua',
  heartbeat: 'heartbeat-1.lua',
  appendEvent: 'append-event-2.lua',
  readEvents: 'read-events-2.lua',
  discardRun: 'discard-run-9.lua',
  claimUnsent: 'claim-unsent-1.lua',
  restoreRun: 'restore-run-5.lua',
  listRuns: 'list-runs-1.lua',
} as const;

export type ScriptName = keyof typeof SCRIPT_FILES;
export type ScriptCall = (...keysThenArgs: (string | number)[]) => Promise<unknown>;
export type RunScripts = Record<ScriptName, ScriptCall>;

const INCLUDE = /^--- @include "([\w-]+)"$/gm;

function source(file: string): string {
  const text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
  return text.replace(INCLUDE, (_line, name: string) => readFileSync(new URL(`./includes/${name}.lua`, import.meta.url), 'utf8'));
}

const sources = Object.fromEntries(Object.entries(SCRIPT_FILES).map(([name, file]) => [name, source(file)])) as Record<ScriptName, string>;

/** Defines the scripts on `redis` (idempotent) and returns them as typed functions. */
export function defineRunScripts(redis: Redis): RunScripts {
  const scripts = {} as RunScripts;
  for (const name of Object.keys(SCRIPT_FILES) as ScriptName[]) {
    const count = /-(\d+)\.lua$/.exec(SCRIPT_FILES[name])?.[1];
    const command = `agentfleet_${name}`;
    redis.defineCommand(command, { numberOfKeys: count === undefined ? undefined : Number(count), lua: sources[name] });
    const call = (redis as unknown as Record<string, ScriptCall>)[command] as ScriptCall;
    scripts[name] = (...keysThenArgs) => call.apply(redis, keysThenArgs);
  }
  return scripts;
}
