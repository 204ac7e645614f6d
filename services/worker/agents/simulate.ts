import { z } from 'zod';
import { sleep } from '../sleep.js';
import { AgentErrorType, agentError, type AgentContext, type AgentExecutor, type AgentOutcome } from './executor.js';

/**
 * The built-in `simulate` agent (DESIGN §6), for demos, tests and load: it takes `durationMs` of wall
 * time, of which `cpuMs` is spent burning CPU in short slices (so the worker's event loop stays
 * responsive), then fails with probability `failRate`, or on its first `failAttempts` attempts, and
 * otherwise returns `output`.
 */

const DAY_MS = 24 * 3600 * 1000;
/** Longest stretch of CPU burned without yielding to the event loop. */
const CPU_SLICE_MS = 2;

export const simulateInputSchema = z.strictObject({
  durationMs: z.number().int().min(0).max(DAY_MS),
  cpuMs: z.number().int().min(0).max(DAY_MS).optional(),
  failRate: z.number().min(0).max(1).optional(),
  /** Fail the first N attempts, then succeed: makes retries deterministic. */
  failAttempts: z.number().int().min(0).optional(),
  output: z.unknown().optional(),
});

export class SimulateExecutor implements AgentExecutor {
  constructor(private readonly random: () => number = Math.random) {}

  async execute(ctx: AgentContext): Promise<AgentOutcome> {
    const parsed = simulateInputSchema.safeParse(ctx.input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ['input', ...(issue?.path ?? [])].join('.');
      return agentError(AgentErrorType.invalidInput, `${field}: ${issue?.message ?? 'invalid'}`, false);
    }
    const input = parsed.data;
    const started = Date.now();
    if (input.cpuMs) await burnCpu(input.cpuMs, ctx.signal);
    await sleep(input.durationMs - (Date.now() - started), ctx.signal);
    if (ctx.signal.aborted) return agentError('aborted', 'the attempt was aborted');

    if (input.failAttempts !== undefined && ctx.attempt <= input.failAttempts) {
      return agentError('simulated_failure', `attempt ${ctx.attempt} of the first ${input.failAttempts} fails by request`);
    }
    if (input.failRate !== undefined && this.random() < input.failRate) {
      return agentError('simulated_failure', `failed at random (failRate ${input.failRate})`);
    }
    return { kind: 'result', result: input.output ?? { simulated: true, durationMs: input.durationMs } };
  }
}

async function burnCpu(totalMs: number, signal: AbortSignal): Promise<void> {
  let burned = 0;
  while (burned < totalMs && !signal.aborted) {
    const sliceEnd = performance.now() + Math.min(CPU_SLICE_MS, totalMs - burned);
    const sliceStart = performance.now();
    while (performance.now() < sliceEnd);
    burned += performance.now() - sliceStart;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
