import deployedAgentsJson from '../examples/agents/agents.json' with { type: 'json' };
import { declaredAgents } from '../services/core/agents/catalog.js';
import { slotFootprint, type RunFootprint } from './sizing.js';

/**
 * The agents file the environments deploy, read when the config is built (synth, the scaler, the CLI).
 * It is imported rather than read from disk so the built image carries it beside the config.
 */
export const DEPLOYED_AGENTS_FILE = 'examples/agents/agents.json';

/** The brief's agent: CPU and memory intensive; it reproduces the brief's slots-per-type table. */
export const BRIEF_AGENT_RUN: RunFootprint = { vcpu: 0.5, memoryGiB: 2 };

/** What one slot needs to hold a run of any agent the file declares; throws AgentsFileError naming the field. */
export function runFootprintOf(agentsFile: unknown, source: string): RunFootprint {
  return slotFootprint(Object.values(declaredAgents(agentsFile, source)), BRIEF_AGENT_RUN);
}

export const DEPLOYED_AGENT_RUN = runFootprintOf(deployedAgentsJson, DEPLOYED_AGENTS_FILE);
