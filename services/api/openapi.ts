import { z } from 'zod';
import * as examples from './openapi-examples.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { IDEMPOTENT_REPLAY_HEADER, LIMITS, componentSchemas, idempotencyKeyHeader, listRunsQuery } from './schemas.js';

/**
 * /openapi.json (OpenAPI 3.1), generated from the zod schemas that validate requests, so what is
 * documented is what is enforced. Built once at start-up and served as a string. The failures every
 * operation of a kind can answer (400 for any parameter or body, 401/429/503 behind a key, 413/415
 * for a body, 404 for a path id) are added by `withCommonResponses`, so a new operation gets them
 * without restating them.
 */

type JsonSchema = Record<string, unknown>;

interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  security?: unknown[];
  parameters?: { name: string; in: string }[];
  requestBody?: object;
  responses: Record<string, object>;
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

function components(): Record<string, JsonSchema> {
  const generated = z.toJSONSchema(componentSchemas, {
    target: 'draft-2020-12',
    io: 'output',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas;
  // Component schemas live inside the document; their own dialect and id markers would only confuse tools.
  return Object.fromEntries(
    Object.entries(generated).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

function queryParameters(schema: z.ZodObject): { name: string; in: string }[] {
  const properties = (toSchema(schema, 'input').properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: 'query',
    required: false,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const json = (schema: object, example: unknown) => ({ 'application/json': { schema, example } });
const problemResponse = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem'), example: examples.validationProblemExample } },
});
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };
const rateLimitHeaders = {
  RateLimit: { description: 'Quota left in the current window (IETF draft-ietf-httpapi-ratelimit-headers), e.g. `"tenant";r=42;t=1`.', schema: { type: 'string' } },
  'RateLimit-Policy': { description: 'The quota policy, e.g. `"tenant";q=1000;w=1`.', schema: { type: 'string' } },
};
const requestIdHeader = {
  'X-Request-Id': { description: "The request's id (the client's own when it sent a sane one); quoted in logs and problems.", schema: { type: 'string' } },
};

/** A create's 503: like any outage, plus whether the run may have been recorded (`mayHaveBeenRecorded`). */
const runNotAcceptedResponse = (keys: string) => ({
  description:
    `Redis or the queue is unavailable. \`mayHaveBeenRecorded\` says whether the run may exist: false, this request recorded no run (nor can an earlier one with its key have); true, it may have been, and then it runs. Either way retry after Retry-After with the same ${keys}: you get that run, or it is created then, never twice. Without a key a retry may create a second run. (In a batch, an item whose message could not be sent gets this problem as its entry of a 202.)`,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem'), example: examples.runNotAcceptedProblemExample } },
  headers: retryAfter,
});

/** What every operation of a kind can answer; an operation's own entry for the same status wins. */
function commonResponses(operation: Operation): Record<string, object> {
  const responses: Record<string, object> = {};
  if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined) {
    responses['400'] = problemResponse('A parameter, header or the body is invalid (a run id over 128 characters, a limit that is not decimal, ...); `errors` names each field.');
  }
  if (operation.parameters?.some((p) => p.in === 'path')) responses['404'] = problemResponse('No such resource for this tenant.');
  if (operation.requestBody !== undefined) {
    responses['413'] = { ...problemResponse(`Body over ${LIMITS.bodyBytes} bytes (the connection is closed).`), headers: { Connection: { schema: { type: 'string' } } } };
    responses['415'] = problemResponse('Body is not JSON, not valid UTF-8, or has a Content-Encoding (send it uncompressed).');
  }
  if (operation.security === undefined) {
    responses['401'] = {
      ...problemResponse('Missing or invalid API key.'),
      headers: { 'WWW-Authenticate': { description: 'Bearer challenge (RFC 6750).', schema: { type: 'string' } } },
    };
    responses['429'] = {
      ...problemResponse(
        "Over a limit, named by `limit`: the tenant's request rate (`tenant`), its runs waiting to start (`queued-runs`, on submit), or too many invalid keys from this address (`failed-auth`).",
      ),
      headers: { ...retryAfter, ...rateLimitHeaders },
    };
    responses['503'] = { ...problemResponse('Redis or the queue is unavailable; nothing was changed.'), headers: retryAfter };
  }
  return responses;
}

function withCommonResponses(paths: Record<string, Record<string, Operation>>): Record<string, Record<string, Operation>> {
  return Object.fromEntries(
    Object.entries(paths).map(([path, operations]) => [
      path,
      Object.fromEntries(
        Object.entries(operations).map(([method, operation]) => {
          const merged = { ...commonResponses(operation), ...operation.responses };
          const responses = Object.fromEntries(
            Object.keys(merged)
              .sort()
              .map((status) => {
                const response = merged[status] as { headers?: object };
                return [status, { ...response, headers: { ...requestIdHeader, ...response.headers } }];
              }),
          );
          return [method, { ...operation, responses }];
        }),
      ),
    ]),
  );
}

const runIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description: 'The run id returned when it was created.',
  schema: { type: 'string', minLength: 1, maxLength: 128 },
  example: examples.queuedRunExample.id,
};

const TAGS = [
  { name: 'Runs', description: 'Queue agent runs, read them, list them, cancel them and follow their events. Every run belongs to the tenant of the key that created it.' },
  { name: 'Fleet', description: 'What is waiting in the queue and the workers taking it.' },
  { name: 'System', description: 'Probes, metrics and documentation; no API key needed.' },
];

function paths(): Record<string, Record<string, Operation>> {
  return {
    '/v1/runs': {
      post: {
        operationId: 'createRun',
        summary: 'Queue a run',
        description:
          'Records the run and queues it in one step; answers 202 with the run, `queued`. With an `Idempotency-Key`, sending the same body again returns the first run (header `Idempotent-Replayed: true`) instead of creating another; the same key with a different body is 422.',
        tags: ['Runs'],
        parameters: [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: 'Same key (per tenant) and same body return the first run instead of creating another; a different body is refused with 422.',
            schema: toSchema(idempotencyKeyHeader, 'input'),
            example: 'order-4711-summary',
          } as { name: string; in: string },
        ],
        requestBody: { required: true, content: json(ref('CreateRunRequest'), examples.createRunExample) },
        responses: {
          '202': {
            description: 'Accepted and queued (or an earlier run with the same Idempotency-Key and body).',
            headers: {
              Location: { description: 'URL of the run.', schema: { type: 'string' } },
              [IDEMPOTENT_REPLAY_HEADER]: { description: '`true` when an earlier run was returned.', schema: { type: 'string' } },
            },
            content: json(ref('Run'), examples.queuedRunExample),
          },
          '400': problemResponse(
            "Invalid body, unknown agent, an input that does not match the agent's inputSchema, malformed JSON or a number JSON cannot carry (e.g. 1e400); `errors` names each field.",
          ),
          '422': problemResponse('The Idempotency-Key was first sent with a different body; `runId` names the run it created.'),
          '503': runNotAcceptedResponse('Idempotency-Key header'),
        },
      },
      get: {
        operationId: 'listRuns',
        summary: "List the caller's runs, newest first",
        description: 'One page of runs, filtered by status and/or agent. Pass `nextCursor` back as `cursor` for the next page; a cursor this API did not issue is a 400.',
        tags: ['Runs'],
        parameters: queryParameters(listRunsQuery),
        responses: { '200': { description: 'One page of runs.', content: json(ref('RunList'), examples.runListExample) } },
      },
    },
    '/v1/runs/batch': {
      post: {
        operationId: 'createRunBatch',
        summary: `Queue up to ${LIMITS.batchRuns} runs in one request`,
        description:
          'Each item is a run request with its own optional `idempotencyKey` (which replays like the Idempotency-Key header). Valid items are recorded in one Redis round trip and queued together; an invalid item does not stop the others.',
        tags: ['Runs'],
        requestBody: { required: true, content: json(ref('CreateRunBatchRequest'), examples.createRunBatchExample) },
        responses: {
          '202': { description: 'One entry per item, in order: its run, or a problem for that item.', content: json(ref('RunBatch'), examples.runBatchExample) },
          '400': problemResponse(`\`runs\` is not an array of 1 to ${LIMITS.batchRuns} items, or the body is not a JSON object.`),
          '413': problemResponse(`Body over ${LIMITS.batchBodyBytes} bytes (the connection is closed).`),
          '503': runNotAcceptedResponse("items' `idempotencyKey`s"),
        },
      },
    },
    '/v1/runs/{id}': {
      get: {
        operationId: 'getRun',
        summary: 'Get a run',
        description: "The run with its attempts, result or error. Another tenant's run answers 404, as a run that does not exist.",
        tags: ['Runs'],
        parameters: [runIdParameter],
        responses: {
          '200': { description: 'The run.', content: json(ref('Run'), examples.succeededRunExample) },
          '404': problemResponse("No such run for this tenant (another tenant's run looks the same)."),
        },
      },
    },
    '/v1/runs/{id}/cancel': {
      post: {
        operationId: 'cancelRun',
        summary: 'Cancel a run',
        description: 'Idempotent: a queued run ends `cancelled` at once; a running agent is signalled and the run ends `cancelled` when it stops. A run that ended otherwise answers 409.',
        tags: ['Runs'],
        parameters: [runIdParameter],
        responses: {
          '202': { description: 'Cancelled, or cancellation requested from the worker running it.', content: json(ref('Run'), examples.cancelledRunExample) },
          '404': problemResponse('No such run for this tenant.'),
          '409': problemResponse('The run already finished (succeeded, failed or timed out).'),
        },
      },
    },
    '/v1/runs/{id}/events': {
      get: {
        operationId: 'streamRunEvents',
        summary: "Follow a run's events",
        description:
          "The run's status, log and progress events as server-sent events, ending after a terminal status. Each event has `id` (its number in the run), `event` (status, log or progress) and JSON `data`; reconnect with `Last-Event-ID` to resume without gaps or repeats.",
        tags: ['Runs'],
        parameters: [
          runIdParameter,
          {
            name: 'Last-Event-ID',
            in: 'header',
            required: false,
            description: 'Resume after this event id (sent by EventSource on reconnect).',
            schema: { type: 'string', pattern: '^\\d{1,15}$' },
            example: '2',
          } as { name: string; in: string },
        ],
        responses: {
          '200': {
            description: 'text/event-stream, one event per status change, log line or progress report.',
            content: { 'text/event-stream': { schema: { type: 'string' }, example: examples.runEventsExample } },
          },
          '404': problemResponse('No such run for this tenant.'),
        },
      },
    },
    '/v1/agents': {
      get: {
        operationId: 'listAgents',
        summary: 'The agents this deployment runs',
        description: 'Each agent with its type and, where it declares one, the JSON Schema its input must match (checked at submit).',
        tags: ['Runs'],
        responses: { '200': { description: 'The agents, by name.', content: json(ref('AgentList'), examples.agentListExample) } },
      },
    },
    '/v1/queue': {
      get: {
        operationId: 'getQueue',
        summary: 'Queue depth',
        description: 'Runs waiting, in flight, delayed and dead-lettered, and how long the oldest waiting run has waited.',
        tags: ['Fleet'],
        responses: { '200': { description: 'Queue statistics.', content: json(ref('QueueStats'), examples.queueStatsExample) } },
      },
    },
    '/v1/queue/history': {
      get: {
        operationId: 'getQueueHistory',
        summary: 'Queue depth over the last hour',
        description: 'Queue statistics sampled over the last hour, oldest first (what the console charts).',
        tags: ['Fleet'],
        responses: { '200': { description: 'Samples.', content: json(ref('QueueHistory'), examples.queueHistoryExample) } },
      },
    },
    '/v1/fleet': {
      get: {
        operationId: 'getFleet',
        summary: 'Worker pools and workers',
        description: 'Worker pools, live workers with their breaker states, and the latest scaling decision with its reasons.',
        tags: ['Fleet'],
        responses: { '200': { description: 'Pools and workers.', content: json(ref('Fleet'), examples.fleetExample) } },
      },
    },
    '/healthz': {
      get: {
        operationId: 'health',
        summary: 'Liveness',
        description: 'The process is alive (its event loop answers); dependencies are /readyz\'s business.',
        tags: ['System'],
        security: [],
        responses: { '200': { description: 'Alive.', content: json({ type: 'object', properties: { status: { const: 'ok' } } }, { status: 'ok' }) } },
      },
    },
    '/readyz': {
      get: {
        operationId: 'ready',
        summary: 'Readiness',
        description: 'Redis and the queue answer; else 503, so a load balancer takes the process out of rotation.',
        tags: ['System'],
        security: [],
        responses: {
          '200': { description: 'Ready.', content: json(ref('Readiness'), examples.readinessExample) },
          '503': { ...problemResponse('Not ready; the body names what is down.'), headers: retryAfter },
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'metrics',
        summary: 'Prometheus metrics',
        description: "The API process's metrics in the Prometheus text format.",
        tags: ['System'],
        security: [],
        responses: {
          '200': {
            description: 'Prometheus text format.',
            content: { 'text/plain': { schema: { type: 'string' }, example: 'agentfleet_api_runs_created_total{agent="simulate"} 42\n' } },
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        description: 'The OpenAPI 3.1 document of this API, generated from the schemas that validate requests.',
        tags: ['System'],
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }, { openapi: '3.1.0', info: { title: 'agentfleet API' } }) } },
      },
    },
    '/docs': {
      get: {
        operationId: 'docs',
        summary: 'API reference',
        description: 'This document as a readable page (Redoc, served by the API itself: no CDN).',
        tags: ['System'],
        security: [],
        responses: { '200': { description: 'HTML page.', content: { 'text/html': { schema: { type: 'string' }, example: '<!doctype html>…' } } } },
      },
    },
  };
}

export function buildOpenApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'agentfleet API',
      version,
      description:
        'Submit agent runs to a queue-backed fleet and follow them. Authenticate with `Authorization: Bearer KEY`; a key sees only its tenant\'s runs. Errors are RFC 9457 `application/problem+json` with a `type` to branch on. Beside the answers listed per operation, any request may get 404 (no such route), 405 (method, with Allow), 400 (not parseable as HTTP), 408 (headers too slow) or 431 (headers over 16 KiB), as problem+json too.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      { url: '/', description: 'The server that served this document.' },
      { url: 'http://127.0.0.1:8080', description: '`make dev` / `agentfleet dev` on this machine.' },
    ],
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    tags: TAGS,
    security: [{ apiKey: [] }],
    paths: withCommonResponses(paths()),
    components: {
      schemas: components(),
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer KEY.' } },
    },
  };
}
