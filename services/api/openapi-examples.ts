/**
 * Examples shown in /openapi.json and /docs: what a client sends and gets back, written out once.
 * They are checked against the response schemas by test/api/openapi-document.test.ts.
 */

const RUN_ID = '01935c1e-7b7a-7cc3-9a51-3f0e2d6b8c41';

export const createRunExample = {
  agent: 'simulate',
  input: { durationMs: 2000, output: { summary: 'done' } },
  timeoutSeconds: 300,
  maxAttempts: 3,
  metadata: { team: 'search' },
};

export const queuedRunExample = {
  id: RUN_ID,
  agent: 'simulate',
  status: 'queued',
  input: createRunExample.input,
  timeoutSeconds: 300,
  maxAttempts: 3,
  priority: 0,
  ttlSeconds: null,
  delaySeconds: 0,
  metadata: { team: 'search' },
  attempts: [],
  createdAt: '2026-12-03T22:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  result: null,
  error: null,
  cancelRequested: false,
};

export const succeededRunExample = {
  ...queuedRunExample,
  status: 'succeeded',
  attempts: [{ number: 1, outcome: 'succeeded', startedAt: '2026-12-03T22:00:01.200Z', finishedAt: '2026-12-03T22:00:03.250Z', error: null }],
  startedAt: '2026-12-03T22:00:01.200Z',
  finishedAt: '2026-12-03T22:00:03.250Z',
  result: { summary: 'done' },
};

export const cancelledRunExample = {
  ...queuedRunExample,
  status: 'cancelled',
  finishedAt: '2026-12-03T22:00:00.400Z',
  cancelRequested: true,
};

export const runListExample = {
  runs: [succeededRunExample],
  nextCursor: Buffer.from(`v1:${RUN_ID}`).toString('base64url'),
};

export const runEventsExample = [
  'retry: 2000',
  '',
  'id: 1',
  'event: status',
  'data: {"status":"queued","at":"2026-12-03T22:00:00.000Z"}',
  '',
  'id: 2',
  'event: status',
  'data: {"status":"running","at":"2026-12-03T22:00:01.200Z","attempt":1}',
  '',
  'id: 3',
  'event: log',
  'data: {"message":"working"}',
  '',
  'id: 4',
  'event: status',
  'data: {"status":"succeeded","at":"2026-12-03T22:00:03.250Z","attempt":1,"outcome":"succeeded"}',
  '',
  '',
].join('\n');

export const queueStatsExample = { visible: 12, inFlight: 40, delayed: 3, oldestAgeSeconds: 4.2, deadLettered: 0 };

export const queueHistoryExample = { periodSeconds: 10, samples: [{ at: '2026-12-03T22:00:00.000Z', ...queueStatsExample }] };

export const fleetExample = {
  pools: [{ name: 'local', kind: 'local', desired: 1, running: 1, busySlots: 3, totalSlots: 8, min: 0, max: 1 }],
  workers: [
    {
      id: 'worker-1',
      pool: 'local',
      slots: 8,
      busy: 3,
      draining: false,
      breaker: 'closed',
      agentBreakers: { 'word-count': 'closed', 'page-title': 'open' },
      startedAt: '2026-12-03T21:00:00.000Z',
      seenAt: '2026-12-03T22:00:00.000Z',
    },
  ],
  lastDecision: null,
};

export const readinessExample = { redis: 'ok', queue: 'ok' };

export const validationProblemExample = {
  type: 'urn:agentfleet:problem:validation',
  title: 'Invalid request',
  status: 400,
  detail: 'timeoutSeconds: Too big: expected number to be <=43200',
  requestId: '5f0c6b8e-2a59-4c43-a1a4-0a4f3c1e9d20',
  errors: [{ field: 'timeoutSeconds', message: 'Too big: expected number to be <=43200' }],
};

export const runNotAcceptedProblemExample = {
  type: 'urn:agentfleet:problem:dependency-unavailable',
  title: 'Service temporarily unavailable',
  status: 503,
  detail:
    'redis is unavailable; the run may have been recorded, and if it was it will run. Retry with the same Idempotency-Key: you get that run, or it is created now, never both. A retry without the key may create a second run.',
  requestId: '5f0c6b8e-2a59-4c43-a1a4-0a4f3c1e9d20',
  dependency: 'redis',
  mayHaveBeenRecorded: true,
};

export const createRunBatchExample = {
  runs: [
    { ...createRunExample, idempotencyKey: 'order-4711-summary' },
    { agent: 'simulate', input: { durationMs: 500 } },
  ],
};

export const runBatchExample = {
  runs: [
    queuedRunExample,
    { type: 'about:blank', title: 'Unknown agent', status: 400, detail: 'agent "summarise" is not one this deployment runs' },
  ],
};

export const agentListExample = {
  agents: [
    { name: 'simulate', type: 'simulate' },
    {
      name: 'word-count',
      type: 'command',
      description: 'counts the words of {text}',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
    },
  ],
};
