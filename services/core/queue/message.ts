import { z } from 'zod';

/**
 * The queue message: everything a worker needs to execute a run, so a run survives the loss of
 * its Redis record (DESIGN §6). Bump `v` on any incompatible change; workers dead-letter
 * versions they do not know.
 */
export const RUN_MESSAGE_VERSION = 1;

export const runMessageSchema = z.object({
  v: z.literal(RUN_MESSAGE_VERSION),
  runId: z.string().min(1),
  tenant: z.string().min(1),
  agent: z.string().min(1),
  input: z.unknown(),
  timeoutSeconds: z.number().int().positive(),
  maxAttempts: z.number().int().positive(),
  /** The attempt this delivery is meant to make (1-based); Redis holds the authoritative count. */
  attempt: z.number().int().positive(),
  priority: z.number().int().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  /** ISO time the run was created, kept so a run rebuilt from its message keeps its age. */
  createdAt: z.string().optional(),
  /** The run's ttl and delay (see the run model), so a worker can hold back or expire it from the message alone. */
  ttlSeconds: z.number().int().positive().optional(),
  delaySeconds: z.number().int().positive().optional(),
});

export type RunMessage = z.infer<typeof runMessageSchema>;

export type ParsedMessage = { ok: true; message: RunMessage } | { ok: false; reason: string };

export function encodeRunMessage(message: RunMessage): string {
  return JSON.stringify(message);
}

/** Never throws: a poison body becomes `{ok: false, reason}` so the worker can dead-letter it and go on. */
export function parseRunMessage(body: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = runMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    return { ok: false, reason: `invalid run message: ${field}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, message: parsed.data };
}
