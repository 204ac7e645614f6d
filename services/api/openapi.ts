import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { IDEMPOTENT_REPLAY_HEADER, LIMITS, componentSchemas, idempotencyKeyHeader, listRunsQuery } from './schemas.js';

/**
 * /openapi.json (OpenAPI 3.1), generated from the zod schemas that validate requests, so what is
 * documented is what is enforced. Built once at start-up and served as a string.
 */

type JsonSchema = Record<string, unknown>;

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

function queryParameters(schema: z.ZodObject): object[] {
  const properties = (toSchema(schema, 'input').properties ?? {}) as Record<string, JsonSchema>;
  return Object.entries(properties).map(([name, property]) => ({ name, in: 'query', required: false, schema: property }));
}

const json = (schema: object) => ({ 'application/json': { schema } });
const problemResponse = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } } });
const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } } };

const rateLimitHeaders = {
  RateLimit: { description: 'Quota left in the current window (IETF draft-ietf-httpapi-ratelimit-headers), e.g. `"tenant";r=42;t=1`.', schema: { type: 'string' } },
  'RateLimit-Policy': { description: 'The quota policy, e.g. `"tenant";q=1000;w=1`.', schema: { type: 'string' } },
};

const commonErrors = {
  '401': problemResponse('Missing or invalid API key (with WWW-Authenticate: Bearer).'),
  '429': {
    ...problemResponse(
      "Over a limit, named by `limit`: the tenant's request rate (`tenant`), its runs waiting to start (`queued-runs`, on submit), or too many invalid keys from this address (`failed-auth`).",
    ),
    headers: { ...retryAfter, ...rateLimitHeaders },
  },
  '503': { ...problemResponse('Redis or the queue is unavailable; nothing was changed.'), headers: retryAfter },
};

const runIdParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string', maxLength: 128 } };

export function buildOpenApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'agentfleet API',
      version,
      description: 'Submit agent runs to a queue-backed fleet and follow them. Errors are RFC 9457 problem+json.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ apiKey: [] }],
    paths: {
      '/v1/runs': {
        post: {
          operationId: 'createRun',
          summary: 'Queue a run',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'Same key (per tenant) returns the first run instead of creating another.',
              schema: toSchema(idempotencyKeyHeader, 'input'),
            },
          ],
          requestBody: { required: true, content: json(ref('CreateRunRequest')) },
          responses: {
            '202': {
              description: 'Accepted and queued (or an earlier run with the same Idempotency-Key).',
              headers: {
                Location: { description: 'URL of the run.', schema: { type: 'string' } },
                [IDEMPOTENT_REPLAY_HEADER]: { description: '`true` when an earlier run was returned.', schema: { type: 'string' } },
              },
              content: json(ref('Run')),
            },
            '400': problemResponse("Invalid body, unknown agent, an input that does not match the agent's inputSchema, or malformed JSON; `errors` names each field."),
            '413': problemResponse(`Body over ${LIMITS.bodyBytes} bytes.`),
            '415': problemResponse('Body is not UTF-8 JSON.'),
            ...commonErrors,
          },
        },
        get: {
          operationId: 'listRuns',
          summary: "List the caller's runs, newest first",
          parameters: queryParameters(listRunsQuery),
          responses: {
            '200': { description: 'One page of runs.', content: json(ref('RunList')) },
            '400': problemResponse('Invalid query parameter.'),
            ...commonErrors,
          },
        },
      },
      '/v1/runs/batch': {
        post: {
          operationId: 'createRunBatch',
          summary: `Queue up to ${LIMITS.batchRuns} runs in one request`,
          description:
            'Each item is a run request with its own optional `idempotencyKey` (which replays like the Idempotency-Key header). Valid items are recorded in one Redis round trip and queued together; an invalid item does not stop the others.',
          requestBody: { required: true, content: json(ref('CreateRunBatchRequest')) },
          responses: {
            '202': { description: 'One entry per item, in order: its run, or a problem for that item.', content: json(ref('RunBatch')) },
            '400': problemResponse(`\`runs\` is not an array of 1 to ${LIMITS.batchRuns} items, or the body is not a JSON object.`),
            '413': problemResponse(`Body over ${LIMITS.batchBodyBytes} bytes.`),
            '415': problemResponse('Body is not UTF-8 JSON.'),
            ...commonErrors,
          },
        },
      },
      '/v1/runs/{id}': {
        get: {
          operationId: 'getRun',
          summary: 'Get a run',
          parameters: [runIdParameter],
          responses: {
            '200': { description: 'The run.', content: json(ref('Run')) },
            '404': problemResponse("No such run for this tenant (another tenant's run looks the same)."),
            ...commonErrors,
          },
        },
      },
      '/v1/runs/{id}/cancel': {
        post: {
          operationId: 'cancelRun',
          summary: 'Cancel a run (idempotent); a running agent is signalled',
          parameters: [runIdParameter],
          responses: {
            '202': { description: 'Cancelled, or cancellation requested from the worker running it.', content: json(ref('Run')) },
            '404': problemResponse('No such run for this tenant.'),
            '409': problemResponse('The run already finished (succeeded, failed or timed out).'),
            ...commonErrors,
          },
        },
      },
      '/v1/runs/{id}/events': {
        get: {
          operationId: 'streamRunEvents',
          summary: "The run's status, log and progress events as server-sent events; ends after a terminal status",
          parameters: [
            runIdParameter,
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              description: 'Resume after this event id (sent by EventSource on reconnect).',
              schema: { type: 'string', pattern: '^\\d{1,15}$' },
            },
          ],
          responses: {
            '200': {
              description: 'text/event-stream; each event has `id` (its number in the run), `event` (status, log or progress) and JSON `data`.',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            '404': problemResponse('No such run for this tenant.'),
            ...commonErrors,
          },
        },
      },
      '/v1/agents': {
        get: {
          operationId: 'listAgents',
          summary: 'The agents this deployment runs, with the JSON Schema of their input where they declare one',
          responses: { '200': { description: 'The agents, by name.', content: json(ref('AgentList')) }, ...commonErrors },
        },
      },
      '/v1/queue': {
        get: {
          operationId: 'getQueue',
          summary: 'Queue depth and age of the oldest waiting run',
          responses: { '200': { description: 'Queue statistics.', content: json(ref('QueueStats')) }, ...commonErrors },
        },
      },
      '/v1/queue/history': {
        get: {
          operationId: 'getQueueHistory',
          summary: 'Queue statistics sampled over the last hour (oldest first)',
          responses: { '200': { description: 'Samples.', content: json(ref('QueueHistory')) }, ...commonErrors },
        },
      },
      '/v1/fleet': {
        get: {
          operationId: 'getFleet',
          summary: 'Worker pools, live workers with their breaker states, and the latest scaling decision',
          responses: { '200': { description: 'Pools.', content: json(ref('Fleet')) }, ...commonErrors },
        },
      },
      '/healthz': {
        get: {
          operationId: 'health',
          summary: 'The process is alive',
          security: [],
          responses: { '200': { description: 'Alive.', content: json({ type: 'object', properties: { status: { const: 'ok' } } }) } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'ready',
          summary: 'Redis and the queue answer',
          security: [],
          responses: {
            '200': { description: 'Ready.', content: json(ref('Readiness')) },
            '503': { ...problemResponse('Not ready; the body names what is down.'), headers: retryAfter },
          },
        },
      },
      '/metrics': {
        get: {
          operationId: 'metrics',
          summary: 'Prometheus metrics',
          security: [],
          responses: { '200': { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openapi',
          summary: 'This document',
          security: [],
          responses: { '200': { description: 'OpenAPI 3.1 document.', content: json({ type: 'object' }) } },
        },
      },
    },
    components: {
      schemas: components(),
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key: Authorization: Bearer KEY.' } },
    },
  };
}
