import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AgentErrorType, agentError, agentReportedType, type AgentContext, type AgentExecutor, type AgentOutcome } from './executor.js';

/**
 * A `module` agent (DESIGN §6): an ES module exporting `run(input, ctx)`, imported once per worker and
 * called in the worker's process. It should stop when `ctx.signal` aborts; one that ignores the signal
 * is abandoned after the kill grace: the attempt ends, the slot is freed, and whatever the code still
 * does is ignored (a process cannot kill a promise — use a `command` agent for untrusted code).
 * A thrown error fails the attempt; `retryable: false` on it stops retries and a string `type` on it
 * becomes the run's error type (marked as the agent's if it is one of the platform's: executor.ts).
 */

export interface ModuleAgentContext {
  readonly runId: string;
  readonly attempt: number;
  readonly signal: AbortSignal;
  readonly lastCheckpoint: unknown;
  log(message: string, fields?: Record<string, unknown>): void;
  progress(data: Record<string, unknown>): void;
  checkpoint(data: unknown): Promise<void>;
}

export type ModuleRunFunction = (input: unknown, ctx: ModuleAgentContext) => unknown;

const loaded = new Map<string, Promise<ModuleRunFunction>>();

async function importRun(specifier: string): Promise<ModuleRunFunction> {
  const url = isAbsolute(specifier) ? pathToFileURL(specifier).href : specifier;
  const namespace = (await import(url)) as { run?: unknown; default?: { run?: unknown } };
  const run = namespace.run ?? namespace.default?.run;
  if (typeof run !== 'function') throw new TypeError(`${specifier} does not export a function "run"`);
  return run as ModuleRunFunction;
}

function loadRun(specifier: string): Promise<ModuleRunFunction> {
  let pending = loaded.get(specifier);
  if (!pending) {
    pending = importRun(specifier);
    // A failed import is retried by the next attempt (the file may be fixed or mounted late).
    pending.catch(() => loaded.delete(specifier));
    loaded.set(specifier, pending);
  }
  return pending;
}

function errorOutcome(thrown: unknown): AgentOutcome {
  if (thrown instanceof Error || (typeof thrown === 'object' && thrown !== null)) {
    const fields = thrown as { type?: unknown; message?: unknown; retryable?: unknown; name?: unknown };
    const type = typeof fields.type === 'string' && fields.type ? agentReportedType(fields.type) : AgentErrorType.agentError;
    const name = typeof fields.name === 'string' && fields.name !== 'Error' ? `${fields.name}: ` : '';
    const message = typeof fields.message === 'string' ? fields.message : JSON.stringify(thrown);
    return agentError(type, `${name}${message}`, fields.retryable !== false);
  }
  return agentError(AgentErrorType.agentError, String(thrown));
}

export class ModuleExecutor implements AgentExecutor {
  constructor(
    private readonly specifier: string,
    private readonly killGraceMs: number,
  ) {}

  async execute(ctx: AgentContext): Promise<AgentOutcome> {
    let run: ModuleRunFunction;
    try {
      run = await loadRun(this.specifier);
    } catch (error) {
      return agentError(AgentErrorType.agentModule, `cannot load module agent: ${(error as Error).message}`, false);
    }
    const moduleCtx: ModuleAgentContext = {
      runId: ctx.runId,
      attempt: ctx.attempt,
      signal: ctx.signal,
      lastCheckpoint: ctx.lastCheckpoint,
      log: (message, fields) => ctx.log(message, fields),
      progress: (data) => ctx.progress(data),
      checkpoint: (data) => ctx.checkpoint(data),
    };
    const running = (async (): Promise<AgentOutcome> => {
      try {
        return { kind: 'result', result: (await run(ctx.input, moduleCtx)) ?? null };
      } catch (error) {
        return errorOutcome(error);
      }
    })();
    return Promise.race([running, this.abandonAfterGrace(ctx.signal, running)]);
  }

  /** Resolves `kill grace` after an abort unless the agent settled first. */
  private abandonAfterGrace(signal: AbortSignal, running: Promise<unknown>): Promise<AgentOutcome> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        timer = setTimeout(
          () => resolve(agentError('abandoned', `the module ignored the abort signal for ${this.killGraceMs} ms and was abandoned`)),
          this.killGraceMs,
        );
      };
      void running.finally(() => {
        signal.removeEventListener('abort', onAbort);
        if (timer) clearTimeout(timer);
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
