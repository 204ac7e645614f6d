import type { ScenarioReport } from './result.js';

/** One reliability scenario: it starts what it needs, injects its fault, and reports what it saw. */
export interface Scenario {
  /** File name of its result: chaos/results/<name>.json. */
  name: string;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}

export interface ScenarioContext {
  root: string;
  /** Where the processes a scenario starts write their output, and the agents their journal. */
  logDir: string;
  progress(message: string): void;
}
