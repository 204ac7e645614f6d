import type { AgentContext } from '../../../services/worker/agents/executor.js';

/** An AgentContext that keeps what the agent reported, for tests of one executor on its own. */
export interface RecordingContext extends AgentContext {
  readonly logs: { message: string; fields?: Record<string, unknown> }[];
  readonly progress: AgentContext['progress'] & { calls: Record<string, unknown>[] };
  readonly checkpoints: unknown[];
  readonly controller: AbortController;
}

export function recordingContext(input: unknown, options: { attempt?: number; lastCheckpoint?: unknown; runId?: string } = {}): RecordingContext {
  const controller = new AbortController();
  const logs: RecordingContext['logs'] = [];
  const checkpoints: unknown[] = [];
  const calls: Record<string, unknown>[] = [];
  const progress = Object.assign((data: Record<string, unknown>) => void calls.push(data), { calls });
  return {
    runId: options.runId ?? 'run-test',
    attempt: options.attempt ?? 1,
    input,
    signal: controller.signal,
    lastCheckpoint: options.lastCheckpoint,
    controller,
    logs,
    checkpoints,
    progress,
    log: (message, fields) => void logs.push({ message, fields }),
    checkpoint: async (data) => void checkpoints.push(data),
  };
}

export async function eventually<T>(read: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
