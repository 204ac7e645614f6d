import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { AgentsFileError, loadAgentCatalog } from '../../services/core/agents/catalog.js';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'agentfleet-agents-'));
const agentsFile = join(dir, 'agents.json');
writeFileSync(
  agentsFile,
  JSON.stringify({
    agents: {
      echo: {
        type: 'simulate',
        description: 'says it back',
        inputSchema: {
          type: 'object',
          properties: { text: { type: 'string' }, times: { type: 'integer', minimum: 1 } },
          required: ['text'],
          additionalProperties: false,
        },
      },
      free: { type: 'simulate' },
    },
  }),
);

let api: ApiHarness;
test.before(async () => {
  api = await startApiHarness({ AGENTS_FILE: agentsFile });
});
test.after.always(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('GET /v1/agents lists every agent the deployment runs, with the input schema where one is declared', async (t) => {
  const response = await api.bootstrap.get('/v1/agents');
  t.is(response.status, 200);
  const agents = response.json.agents as { name: string; type: string; description?: string; inputSchema?: unknown }[];
  t.deepEqual(agents.map((agent) => agent.name), ['echo', 'free', 'simulate']);
  const echo = agents.find((agent) => agent.name === 'echo');
  t.is(echo?.description, 'says it back');
  t.like(echo?.inputSchema, { required: ['text'] });
  t.false('inputSchema' in (agents.find((agent) => agent.name === 'free') ?? {}));
});

test('GET /v1/agents needs a key like every /v1 route', async (t) => {
  const response = await fetch(`${api.url}/v1/agents`);
  t.is(response.status, 401);
});

test('an input that breaks the agent\'s schema is refused at submit with 400 naming each field', async (t) => {
  const missing = await api.bootstrap.post('/v1/runs', { agent: 'echo', input: { times: 0 } });
  t.is(missing.status, 400);
  t.true(missing.headers.get('content-type')?.startsWith('application/problem+json'));
  const fields = (missing.json.errors as { field: string }[]).map((error) => error.field).sort();
  t.deepEqual(fields, ['input.text', 'input.times']);

  const extra = await api.bootstrap.post('/v1/runs', { agent: 'echo', input: { text: 'hi', colour: 'red' } });
  t.is(extra.status, 400);
  t.deepEqual(extra.json.errors, [{ field: 'input.colour', message: 'is not allowed' }]);

  const wrongType = await api.bootstrap.post('/v1/runs', { agent: 'echo', input: 'hi' });
  t.is(wrongType.status, 400);
  t.is(wrongType.json.errors[0].field, 'input');
});

test('an input that matches the schema is accepted, and an agent without a schema takes any input', async (t) => {
  t.is((await api.bootstrap.post('/v1/runs', { agent: 'echo', input: { text: 'hi', times: 2 } })).status, 202);
  t.is((await api.bootstrap.post('/v1/runs', { agent: 'free', input: [1, 'two'] })).status, 202);
});

test('a bad input schema in the agents file stops start-up with a message naming the agent', (t) => {
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ agents: { broken: { type: 'simulate', inputSchema: { type: 'object', propertiez: {} } } } }));
  const error = t.throws(() => loadAgentCatalog(bad), { instanceOf: AgentsFileError });
  t.regex(error?.message ?? '', /agents\.broken\.inputSchema: .*propertiez/);
});

test('the example agents all declare an input schema that compiles', (t) => {
  const catalog = loadAgentCatalog(join(import.meta.dirname, '../../examples/agents/agents.json'));
  for (const name of ['word-count', 'greet', 'page-title', 'load-test']) t.truthy(catalog.get(name)?.validateInput, name);
  t.deepEqual(catalog.get('word-count')?.validateInput?.({ text: 'to be' }), []);
  t.deepEqual(catalog.get('page-title')?.validateInput?.({ url: 'file:///etc/passwd' }).map((problem) => problem.field), ['input.url']);
});
