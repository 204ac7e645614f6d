import { fileURLToPath } from 'node:url';
import { loadEnvironment } from '../../environments/index.js';
import { simulate, type SimulationOptions, type SimulationResult } from '../../services/scaler/simulator/engine.js';
import { loadTrace } from '../../services/scaler/simulator/trace.js';

/**
 * A 40-minute trace with a burst, a Spot market where a machine lives an hour on average (so notices and
 * hand-backs happen within minutes) and a Fargate Spot shortage: every mechanism runs, quickly.
 */
export const SHORT_TRACE_FILE = fileURLToPath(new URL('../fixtures/traces/short-burst.json', import.meta.url));

export const prod = loadEnvironment('prod');

export function simulateShort(options: Partial<SimulationOptions> = {}): SimulationResult {
  return simulate(prod, loadTrace(SHORT_TRACE_FILE), { seed: 7, warmupSeconds: 900, ...options });
}
