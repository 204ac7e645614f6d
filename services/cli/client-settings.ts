import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ClientOptions } from './api-client.js';
import { CliError } from './cli-error.js';
import { DEV_KEY_FILE } from './commands/dev.js';

/**
 * Where `agentfleet submit` and `runs` find the API, parsed once: `--url`/`--key` win over
 * AGENTFLEET_URL/AGENTFLEET_KEY; without a key, the one `agentfleet dev` wrote.
 *
 * | variable | flag | meaning |
 * |---|---|---|
 * | AGENTFLEET_URL | --url | API base URL (default http://127.0.0.1:8080) |
 * | AGENTFLEET_KEY | --key | API key (default: the key `agentfleet dev` wrote) |
 */

const clientSettingsSchema = z.object({
  AGENTFLEET_URL: z.url({ message: 'expected a URL such as http://127.0.0.1:8080' }).default('http://127.0.0.1:8080'),
  AGENTFLEET_KEY: z.string().optional(),
});

const SOURCES: Record<string, string> = { AGENTFLEET_URL: '--url or AGENTFLEET_URL', AGENTFLEET_KEY: '--key or AGENTFLEET_KEY' };

export interface ConnectionFlags {
  url?: string;
  key?: string;
}

export function loadClientSettings(env: NodeJS.ProcessEnv, flags: ConnectionFlags): ClientOptions {
  const parsed = clientSettingsSchema.safeParse({
    AGENTFLEET_URL: flags.url ?? env.AGENTFLEET_URL,
    AGENTFLEET_KEY: flags.key ?? env.AGENTFLEET_KEY,
  });
  if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => `${SOURCES[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`).join('; '));
  return { url: parsed.data.AGENTFLEET_URL, key: parsed.data.AGENTFLEET_KEY ?? readDevKey() };
}

/** `make dev` writes its key here, so `agentfleet submit` works beside it with no flags. */
function readDevKey(): string | undefined {
  try {
    return readFileSync(DEV_KEY_FILE, 'utf8').trim().split(':').slice(1).join(':') || undefined;
  } catch {
    return undefined;
  }
}
