import { encodeRunMessage, RUN_MESSAGE_VERSION } from '../../services/core/queue/message.js';

/** A queue message the size and shape the API sends for a small run, for ceilings that bypass the API. */
export function sampleRunMessage(sequence: number): string {
  return encodeRunMessage({
    v: RUN_MESSAGE_VERSION,
    runId: `01J${String(sequence).padStart(23, '0')}`,
    tenant: 'bench',
    agent: 'simulate',
    input: { durationMs: 1000, output: { note: 'bench' } },
    timeoutSeconds: 900,
    maxAttempts: 3,
    attempt: 1,
    priority: 0,
    metadata: { source: 'bench' },
    createdAt: new Date().toISOString(),
  });
}
