import type { AgentCatalog, AgentDefinition, CatalogAgent } from '../../core/agents/catalog.js';
import { CommandExecutor } from './command.js';
import type { AgentExecutor } from './executor.js';
import type { Lifeline } from './lifeline.js';
import { ModuleExecutor } from './module.js';
import { SimulateExecutor } from './simulate.js';

export interface AgentExecutorOptions {
  /** Between SIGTERM and SIGKILL for a command agent; before abandoning a module agent. */
  killGraceMs: number;
  /** Environment command agents start from (plus their own `env` from the agents file). */
  baseEnv: Readonly<Record<string, string>>;
  /** Kills command agents' process groups if the worker dies without stopping them. */
  lifeline?: Lifeline;
  /** Run command agents as this user and group (the worker must be allowed to switch to them). */
  runAs?: { uid: number; gid: number };
  /** Random source of `simulate`'s failRate (injectable for tests). */
  random?: () => number;
}

/** The executor for each agent of the catalog, built once per agent on first use. */
export class AgentExecutors {
  private readonly built = new Map<string, AgentExecutor>();

  constructor(
    private readonly catalog: AgentCatalog,
    private readonly options: AgentExecutorOptions,
  ) {}

  /** The agent's entry in this worker's catalog. */
  definition(agent: string): CatalogAgent | undefined {
    return this.catalog.get(agent);
  }

  /** Undefined when this worker's catalog does not know the agent. */
  get(agent: string): AgentExecutor | undefined {
    let executor = this.built.get(agent);
    if (!executor) {
      const definition = this.catalog.get(agent);
      if (!definition) return undefined;
      executor = this.build(definition);
      this.built.set(agent, executor);
    }
    return executor;
  }

  private build(definition: AgentDefinition): AgentExecutor {
    switch (definition.type) {
      case 'simulate':
        return new SimulateExecutor(this.options.random);
      case 'command':
        return new CommandExecutor(definition, {
          killGraceMs: this.options.killGraceMs,
          baseEnv: this.options.baseEnv,
          lifeline: this.options.lifeline,
          ...(this.options.runAs ? { runAs: this.options.runAs } : {}),
        });
      case 'module':
        return new ModuleExecutor(definition.module, this.options.killGraceMs);
    }
  }
}
