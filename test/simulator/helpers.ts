import { fileURLToPath } from 'node:url';
import { BRIEF_AGENT_RUN } from '../../environments/deployed-agents.js';
import { loadEnvironment } from '../../environments/index.js';
import { resizedFor } from '../../environments/sizing.js';
import { simulate, type SimulationOptions, type SimulationResult } from '../../services/scaler/simulator/engine.js';
import { loadTrace } from '../../services/scaler/simulator/trace.js';

/**
 * A 40-minute trace with a burst, a Spot market where a machine lives an hour on average (so notices and
 * hand-backs happen within minutes) and a Fargate Spot shortage: every mechanism runs, quickly.
 */
export const SHORT_TRACE_FILE = fileURLToPath(new URL('../fixtures/traces/short-burst.json', import.meta.url));

/**
 * Prod sized for the brief's agent (8 slots per c6g.2xlarge, 1 per burst task), so the short trace
 * works the pools whatever the deployed agents' footprint (with small slots its load fits the floors).
 */
export const prod = resizedFor(loadEnvironment('prod'), BRIEF_AGENT_RUN);

export function simulateShort(options: Partial<SimulationOptions> = {}): SimulationResult {
  return simulate(prod, loadTrace(SHORT_TRACE_FILE), { seed: 7, warmupSeconds: 900, ...options });
}
