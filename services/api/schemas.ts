import { z } from 'zod';
import { ATTEMPT_OUTCOMES, RUN_STATUSES } from '../core/run/model.js';

/**
 * Every shape the API reads or writes, as zod schemas. Requests are validated with them and
 * /openapi.json is generated from them (openapi.ts), so the document cannot drift from the code.
 * Schemas registered in `componentSchemas` become named OpenAPI components.
 */

export const LIMITS = {
  bodyBytes: 256 * 1024,
  idempotencyKeyLength: 255,
  agentNameLength: 64,
  metadataEntries: 32,
  metadataKeyLength: 64,
  metadataValueLength: 512,
  /** SQS keeps a received message invisible for at most 12 hours, so a longer run could be delivered twice. */
  timeoutSeconds: 12 * 3600,
  maxAttempts: 20,
  priority: 100,
  /** How long a run may wait to start, and how long it may be held back: a week each (SQS re-delays past 15 min). */
  ttlSeconds: 7 * 24 * 3600,
  delaySeconds: 7 * 24 * 3600,
  batchRuns: 100,
  /** A batch's body: room for 100 runs of ordinary size; each run's own message is still capped (413 for that run). */
  batchBodyBytes: 1024 * 1024,
  listLimitDefault: 50,
  listLimitMax: 200,
  cursorLength: 512,
  /** Nesting of arrays/objects in `input`; far deeper JSON overflows the stack of JSON.stringify downstream. */
  inputDepth: 64,
} as const;

export const componentSchemas = z.registry<{ id: string; description?: string }>();

const agentName = z.string().min(1).max(LIMITS.agentNameLength);

const metadataRecord = z
  .record(z.string().min(1).max(LIMITS.metadataKeyLength), z.string().max(LIMITS.metadataValueLength))
  .refine((value) => Object.keys(value).length <= LIMITS.metadataEntries, `at most ${LIMITS.metadataEntries} entries`);

// zod drops a `__proto__` key while parsing a record (it cannot live in a plain object); refuse it
// by name instead, so a client never loses an entry without being told.
const metadata = z
  .preprocess((value, ctx) => {
    if (typeof value === 'object' && value !== null && Object.hasOwn(value, '__proto__')) {
      ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is a reserved name', input: value });
    }
    return value;
  }, metadataRecord)
  .meta({ maxProperties: LIMITS.metadataEntries, description: 'Free-form labels kept with the run (string to string).' });

/** True when `value` nests arrays/objects more than `max` deep. Iterative, so hostile input cannot overflow it. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [node, depth] = next;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}

/** Any JSON value; a key that is absent is refused so a forgotten `input` is not silently `undefined`. */
const runInput = z
  .custom<unknown>((value) => value !== undefined, { error: 'is required: any JSON value (null when the agent takes none)' })
  .refine((value) => !nestsDeeperThan(value, LIMITS.inputDepth), `must not nest arrays/objects more than ${LIMITS.inputDepth} deep`)
  .meta({ description: `JSON handed to the agent as its input (arrays/objects nested at most ${LIMITS.inputDepth} deep).` });

export const createRunRequest = z
  .strictObject({
    agent: agentName.meta({ description: 'Name of an agent in the catalog (`simulate` is built in).' }),
    input: runInput,
    timeoutSeconds: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.timeoutSeconds)
      .optional()
      .meta({ description: "Per-attempt time limit; defaults to the agent's, then 900." }),
    maxAttempts: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.maxAttempts)
      .optional()
      .meta({ description: "Attempts before the run fails; defaults to the agent's, then 3. Interruptions do not count." }),
    priority: z
      .number()
      .int()
      .min(0)
      .max(LIMITS.priority)
      .optional()
      .meta({
        description:
          'Higher starts first among runs waiting at the same time (default 0). BullMQ honours every level; SQS two: above 0 goes to the high-priority queue, drained first.',
      }),
    metadata: metadata.optional(),
    ttlSeconds: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.ttlSeconds)
      .optional()
      .meta({ description: 'A run not started this long after it became eligible (after any delay) ends `cancelled` with error type `expired`, and never starts.' }),
    delaySeconds: z
      .number()
      .int()
      .min(1)
      .max(LIMITS.delaySeconds)
      .optional()
      .meta({ description: 'The run starts no earlier than this long after it was accepted.' }),
  })
  .register(componentSchemas, { id: 'CreateRunRequest' });
export type CreateRunRequest = z.infer<typeof createRunRequest>;

/** Header on a 202 that returns an earlier run because its Idempotency-Key was seen before. */
export const IDEMPOTENT_REPLAY_HEADER = 'Idempotent-Replayed';

export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(LIMITS.idempotencyKeyLength)
  .regex(/^[\x21-\x7e]+$/, 'visible ASCII characters only');

/** One run of a batch: a run request, with its own idempotency key in place of the header. */
export const batchRunItem = createRunRequest
  .extend({
    idempotencyKey: idempotencyKeyHeader
      .optional()
      .meta({ description: 'Like the Idempotency-Key header of POST /v1/runs: the same key (per tenant) returns the first run.' }),
  })
  .register(componentSchemas, { id: 'BatchRunItem' });

/** What POST /v1/runs/batch takes, as documented; `batchEnvelope` is what is parsed, each item then on its own. */
export const createRunBatchRequest = z
  .strictObject({ runs: z.array(batchRunItem).min(1).max(LIMITS.batchRuns) })
  .register(componentSchemas, { id: 'CreateRunBatchRequest' });

/** The batch as a whole: a bad item is that item's problem, not the batch's. */
export const batchEnvelope = z.strictObject({ runs: z.array(z.unknown()).min(1).max(LIMITS.batchRuns) });

/**
 * Digits only: `Number()` would also take `0x10`, `1e2` and ` 5`, values no client means as a page
 * size. The refinement is invisible to JSON Schema, so the document shows the integer it becomes.
 */
const decimalLimit = z
  .string()
  .refine((text) => /^[0-9]{1,9}$/.test(text), 'must be a decimal integer (digits only)')
  .transform(Number)
  .pipe(z.number().int().min(1).max(LIMITS.listLimitMax))
  .meta({ type: 'integer', minimum: 1, maximum: LIMITS.listLimitMax, default: LIMITS.listLimitDefault, description: 'Page size (decimal digits).' })
  .default(LIMITS.listLimitDefault);

export const listRunsQuery = z.object({
  status: z.enum(RUN_STATUSES).optional(),
  agent: agentName.optional(),
  limit: decimalLimit,
  cursor: z.string().min(1).max(LIMITS.cursorLength).optional(),
});
export type ListRunsQuery = z.infer<typeof listRunsQuery>;

export const runIdParam = z.string().min(1).max(128);

/** Response timestamps are written by us, never parsed: documented as RFC 3339, not re-validated. */
const timestamp = z.string().meta({ format: 'date-time' });

const runError = z
  .object({ type: z.string(), message: z.string() })
  .register(componentSchemas, { id: 'RunError', description: 'What went wrong: `type` to branch on, `message` to read.' });

const attempt = z
  .object({
    number: z.number().int().min(1),
    outcome: z.enum(ATTEMPT_OUTCOMES).nullable().meta({ description: 'null while the attempt is running.' }),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
    error: runError.nullable(),
  })
  .register(componentSchemas, { id: 'Attempt' });

export const runResource = z
  .object({
    id: z.string(),
    agent: z.string(),
    status: z.enum(RUN_STATUSES),
    input: z.unknown(),
    timeoutSeconds: z.number().int(),
    maxAttempts: z.number().int(),
    priority: z.number().int(),
    metadata: z.record(z.string(), z.string()),
    ttlSeconds: z.number().int().nullable().meta({ description: 'null when the run may wait to start for ever.' }),
    delaySeconds: z.number().int(),
    attempts: z.array(attempt),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    result: z.unknown().meta({ description: "The agent's result once the run succeeded; null before." }),
    error: runError.nullable(),
    cancelRequested: z.boolean(),
  })
  .register(componentSchemas, { id: 'Run' });
export type RunResource = z.infer<typeof runResource>;

export const runList = z
  .object({
    runs: z.array(runResource),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .register(componentSchemas, { id: 'RunList' });

const count = z.number().int().min(0);

export const queueStats = z
  .object({
    visible: count,
    inFlight: count,
    delayed: count,
    oldestAgeSeconds: z.number().min(0).meta({ description: 'Age of the oldest run waiting to start; 0 when none waits.' }),
    deadLettered: count,
  })
  .register(componentSchemas, { id: 'QueueStats' });
export type QueueStats = z.infer<typeof queueStats>;

export const queueHistory = z
  .object({
    periodSeconds: z.number().int().positive().meta({ description: 'Time between samples.' }),
    samples: z.array(
      queueStats.extend({ at: z.string().meta({ description: 'ISO time of the sampling period.' }) }),
    ),
  })
  .register(componentSchemas, { id: 'QueueHistory' });
export type QueueHistoryBody = z.infer<typeof queueHistory>;

const pool = z
  .object({
    name: z.string(),
    kind: z.enum(['local', 'ec2-spot', 'ec2-on-demand', 'fargate-spot', 'fargate']),
    desired: count,
    running: count,
    busySlots: count,
    totalSlots: count,
    min: count,
    max: count,
  })
  .register(componentSchemas, { id: 'Pool' });
export type Pool = z.infer<typeof pool>;

const fleetWorker = z
  .object({
    id: z.string(),
    pool: z.string(),
    instanceId: z.string().optional().meta({ description: 'EC2 instance the worker runs on, when it knows it.' }),
    slots: count,
    busy: count,
    draining: z.boolean(),
    breaker: z.enum(['closed', 'open', 'half-open']).meta({ description: "State of the worker's platform circuit breaker (open: it takes no work)." }),
    agentBreakers: z
      .record(z.string(), z.enum(['closed', 'open', 'half-open']))
      .optional()
      .meta({ description: "State of each agent's circuit breaker on this worker (open: that agent's runs wait in the queue); agents with no counted outcome yet are left out." }),
    startedAt: z.string(),
    seenAt: z.string().meta({ description: 'ISO time of its last report.' }),
  })
  .register(componentSchemas, { id: 'FleetWorker' });
export type FleetWorker = z.infer<typeof fleetWorker>;

export const fleet = z
  .object({
    pools: z.array(pool),
    workers: z.array(fleetWorker).meta({ description: 'Live workers, by pool then id.' }),
    lastDecision: z
      .record(z.string(), z.unknown())
      .nullable()
      .meta({ description: "The scaler's latest decision with its reasons; null until a scaler has decided." }),
  })
  .register(componentSchemas, { id: 'Fleet' });
export type Fleet = z.infer<typeof fleet>;

export const problem = z
  .object({
    type: z.string().meta({ description: 'URI naming the kind of problem; branch on this.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    requestId: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'For validation problems: each rejected field and why.' }),
    dependency: z.string().optional().meta({ description: 'For 503: what is unavailable, `redis` or `queue`.' }),
    mayHaveBeenRecorded: z
      .boolean()
      .optional()
      .meta({
        description:
          'For a 503 on a create: false when this request recorded no run (and no run with its Idempotency-Key can come from an earlier request); true when it may have been recorded, and then runs. Either way, retry with the same Idempotency-Key: you get that run, or it is created now, never both.',
      }),
  })
  .catchall(z.unknown())
  .register(componentSchemas, { id: 'Problem', description: 'RFC 9457 problem details.' });
export type Problem = z.infer<typeof problem>;

export const agentList = z
  .object({
    agents: z.array(
      z
        .object({
          name: z.string(),
          type: z.enum(['command', 'module', 'simulate']),
          description: z.string().optional(),
          inputSchema: z
            .record(z.string(), z.unknown())
            .optional()
            .meta({ description: "JSON Schema (2020-12) of the agent's input; a run whose input does not match it is refused with 400." }),
        })
        .register(componentSchemas, { id: 'Agent' }),
    ),
  })
  .register(componentSchemas, { id: 'AgentList' });
export type AgentList = z.infer<typeof agentList>;

export const runBatch = z
  .object({
    runs: z.array(z.union([runResource, problem])).meta({
      description: 'One entry per item, in order: the run (new, or the earlier run its idempotencyKey names), or a problem (it has `type`) saying why that item was not queued.',
    }),
  })
  .register(componentSchemas, { id: 'RunBatch' });

const dependencyState = z.enum(['ok', 'down']);

export const readiness = z
  .object({ redis: dependencyState, queue: dependencyState })
  .register(componentSchemas, { id: 'Readiness' });
export type Readiness = z.infer<typeof readiness>;
