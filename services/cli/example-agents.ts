import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const EXAMPLE_AGENTS = 'examples/agents/agents.json';

/** AGENTS_FILE when set; else the example agents, when run from a checkout that has them. */
export function agentsFileOrExamples(configured: string | undefined): string | undefined {
  return configured ?? (existsSync(EXAMPLE_AGENTS) ? resolve(EXAMPLE_AGENTS) : undefined);
}
