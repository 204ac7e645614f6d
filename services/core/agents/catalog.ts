import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { compileInputSchema, InputSchemaError, type InputValidator } from './input-schema.js';

/**
 * The agents a deployment can run, declared in AGENTS_FILE (JSON; format in the README) and read by
 * the API (to reject unknown agents) and the worker (to execute them). `simulate` is built in.
 */

export const BUILTIN_SIMULATE = 'simulate';
export const DEFAULT_TIMEOUT_SECONDS = 900;
export const DEFAULT_MAX_ATTEMPTS = 3;

const agentName = z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'agent names are lowercase letters, digits, - and _');

/**
 * What one run of the agent needs, as measured by `agentfleet profile`: the environments size their
 * slots from the largest footprint among the agents they run.
 */
export const footprintSchema = z
  .object({
    vcpu: z.number().positive('vcpu must be above 0').max(64, 'vcpu above 64 fits no worker machine'),
    memoryGiB: z.number().positive('memoryGiB must be above 0').max(512, 'memoryGiB above 512 fits no worker machine'),
  })
  .strict();
export type AgentFootprint = z.infer<typeof footprintSchema>;

/** Failure classes an agent's own breaker can count (services/worker/failure-class.ts says which an attempt is). */
export const AGENT_FAILURE_CLASSES = ['agent-transient', 'agent-permanent'] as const;
export type AgentFailureClass = (typeof AGENT_FAILURE_CLASSES)[number];
/** Permanent failures (bad input, a non-retriable error) are the caller's or the code's, not a sign the agent is down. */
export const DEFAULT_BREAKER_COUNTS: readonly AgentFailureClass[] = ['agent-transient'];

/**
 * The agent's circuit breaker: which failure classes count against it, and thresholds overriding the
 * worker's BREAKER_* values for this agent alone.
 */
export const agentBreakerSchema = z
  .object({
    counts: z.array(z.enum(AGENT_FAILURE_CLASSES)).optional(),
    errorPercent: z.number().min(0).max(100).optional(),
    windowSeconds: z.number().int().positive().optional(),
    minAttempts: z.number().int().positive().optional(),
    cooldownSeconds: z.number().int().positive().optional(),
  })
  .strict();
export type AgentBreakerConfig = z.infer<typeof agentBreakerSchema>;

const common = {
  description: z.string().optional(),
  breaker: agentBreakerSchema.optional(),
  footprint: footprintSchema.optional(),
  /** Used when a run does not set its own. */
  timeoutSeconds: z.number().int().positive().optional(),
  maxAttempts: z.number().int().min(1).max(20).optional(),
  /** JSON Schema (2020-12) of the agent's input: the API refuses a run whose input does not match it. */
  inputSchema: z.record(z.string(), z.unknown()).optional(),
};

const commandAgent = z.object({
  type: z.literal('command'),
  /** argv; the run's input arrives as JSON on stdin. */
  command: z.array(z.string().min(1)).min(1),
  cwd: z.string().optional(),
  env: z.record(z.string(), z.string()).optional(),
  ...common,
});

const moduleAgent = z.object({
  type: z.literal('module'),
  /** Path (relative to the agents file) or package name of an ES module exporting `run(input, ctx)`. */
  module: z.string().min(1),
  ...common,
});

const simulateAgent = z.object({ type: z.literal('simulate'), ...common });

export const agentDefinitionSchema = z.discriminatedUnion('type', [commandAgent, moduleAgent, simulateAgent]);
export type AgentDefinition = z.infer<typeof agentDefinitionSchema>;

export const agentsFileSchema = z.object({
  agents: z.record(agentName, agentDefinitionSchema),
});

/** A catalog entry: the definition, and its input schema compiled once when the file is read. */
export type CatalogAgent = AgentDefinition & { validateInput?: InputValidator };

export type AgentCatalog = ReadonlyMap<string, CatalogAgent>;

export class AgentsFileError extends Error {
  override readonly name = 'AgentsFileError';
}

/** Paths in the file are relative to the file, so it can be moved with its agents. */
function resolvePaths(definition: AgentDefinition, baseDir: string): AgentDefinition {
  if (definition.type === 'command') {
    return { ...definition, cwd: resolve(baseDir, definition.cwd ?? '.') };
  }
  if (definition.type === 'module' && (definition.module.startsWith('.') || isAbsolute(definition.module))) {
    return { ...definition, module: resolve(baseDir, definition.module) };
  }
  return definition;
}

/** The agents the file declares (not the built-in ones), validated; throws AgentsFileError naming the field. */
export function declaredAgents(json: unknown, source = 'AGENTS_FILE'): Record<string, AgentDefinition> {
  const parsed = agentsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AgentsFileError(`${source}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data.agents;
}

export function parseAgentsFile(json: unknown, baseDir: string, source = 'AGENTS_FILE'): AgentCatalog {
  const catalog = new Map<string, CatalogAgent>([[BUILTIN_SIMULATE, { type: 'simulate' }]]);
  for (const [name, definition] of Object.entries(declaredAgents(json, source))) {
    if (name === BUILTIN_SIMULATE && definition.type !== 'simulate') {
      throw new AgentsFileError(`${source}: agents.${name}: "${BUILTIN_SIMULATE}" is built in and cannot be redefined`);
    }
    catalog.set(name, withInputValidator(name, resolvePaths(definition, baseDir), source));
  }
  return catalog;
}

function withInputValidator(name: string, definition: AgentDefinition, source: string): CatalogAgent {
  if (definition.inputSchema === undefined) return definition;
  try {
    return { ...definition, validateInput: compileInputSchema(definition.inputSchema) };
  } catch (error) {
    if (!(error instanceof InputSchemaError)) throw error;
    throw new AgentsFileError(`${source}: agents.${name}.inputSchema: ${error.message}`);
  }
}

/** The catalog for a process: the built-in agents, plus AGENTS_FILE when it is set. */
export function loadAgentCatalog(file: string | undefined): AgentCatalog {
  if (!file) return parseAgentsFile({ agents: {} }, process.cwd());
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AgentsFileError(`AGENTS_FILE ${file}: ${(error as Error).message}`);
  }
  return parseAgentsFile(json, dirname(resolve(file)), `AGENTS_FILE ${file}`);
}
