import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { API_VERSION } from '../../services/api/app.js';
import { buildOpenApiDocument } from '../../services/api/openapi.js';
import { fleet, queueHistory, queueStats, readiness, runList, runResource } from '../../services/api/schemas.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Operation {
  operationId: string;
  summary?: string;
  description?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { example?: unknown }> }>;
}
const document = buildOpenApiDocument(API_VERSION) as { servers?: unknown[]; tags?: { name: string }[]; paths: Record<string, Record<string, Operation>> };
const operations = Object.values(document.paths).flatMap((byMethod) => Object.values(byMethod));

test('/openapi.json passes `redocly lint` with the recommended rules (redocly.yaml), without a warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-openapi-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(document, null, 2));
  const redocly = join(ROOT, 'node_modules', '.bin', 'redocly');
  const { stdout } = await run(redocly, ['lint', file, '--config', join(ROOT, 'redocly.yaml'), '--format', 'json'], {
    cwd: ROOT,
    // No telemetry or update check: tests make no calls off this machine.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string }[] };
  t.deepEqual(report.problems.map((p) => `${p.ruleId}: ${p.message}`), []);
  t.deepEqual(report.totals, { ...report.totals, errors: 0, warnings: 0 });
});

test('the document has servers, described tags, and every operation a tag, summary, description and a success example', (t) => {
  t.true((document.servers?.length ?? 0) > 0);
  const tagNames = new Set(document.tags?.map((tag) => tag.name));
  for (const operation of operations) {
    t.truthy(operation.summary, operation.operationId);
    t.truthy(operation.description, operation.operationId);
    t.true(operation.tags?.length === 1 && tagNames.has(operation.tags[0]!), operation.operationId);
    const success = Object.entries(operation.responses).find(([status]) => status.startsWith('2'))?.[1];
    const media = Object.values(success?.content ?? {});
    t.true(media.length > 0 && media.every((m) => m.example !== undefined), `${operation.operationId} has a success example`);
  }
});

test('every /v1 operation documents 401, 429 and 503, and 400 wherever it takes a parameter or a body', (t) => {
  for (const [path, byMethod] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const operation of Object.values(byMethod) as (Operation & { parameters?: unknown[]; requestBody?: unknown })[]) {
      for (const status of ['401', '429', '503']) t.truthy(operation.responses[status], `${operation.operationId} ${status}`);
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) t.truthy(operation.responses['400'], `${operation.operationId} 400`);
      if (operation.requestBody) for (const status of ['413', '415']) t.truthy(operation.responses[status], `${operation.operationId} ${status}`);
    }
  }
});

test("the examples are what the API's own response schemas accept", (t) => {
  const example = (id: string, status: string) =>
    Object.values(operations.find((o) => o.operationId === id)?.responses[status]?.content ?? {})[0]?.example;
  for (const [id, status, schema] of [
    ['createRun', '202', runResource],
    ['getRun', '200', runResource],
    ['cancelRun', '202', runResource],
    ['listRuns', '200', runList],
    ['getQueue', '200', queueStats],
    ['getQueueHistory', '200', queueHistory],
    ['getFleet', '200', fleet],
    ['ready', '200', readiness],
  ] as const) {
    const parsed = schema.safeParse(example(id, status));
    t.true(parsed.success, `${id}: ${parsed.error?.message ?? ''}`);
  }
});
