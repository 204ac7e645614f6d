import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { chromium } from 'playwright-core';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

const CHROMIUM = '/usr/bin/chromium';
let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

test('GET /docs is an HTML page without a key, loading Redoc and the document from this server only', async (t) => {
  const page = await fetch(`${api.url}/docs`);
  t.is(page.status, 200);
  t.regex(page.headers.get('content-type') ?? '', /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  t.regex(csp, /script-src 'self'(;|$)/);
  const html = await page.text();
  t.regex(html, /<redoc spec-url="openapi\.json">/);
  t.notRegex(html, /https?:\/\//);

  const bundle = await fetch(`${api.url}/docs/redoc.standalone.js`);
  t.is(bundle.status, 200);
  t.regex(bundle.headers.get('content-type') ?? '', /^text\/javascript/);
  t.true((await bundle.arrayBuffer()).byteLength > 100_000);
});

const browserTest = existsSync(CHROMIUM) ? test : test.skip;
// Redoc's side menu shows Redocly's logo from their CDN; the page's CSP (img-src 'self' data:) blocks
// it and Redoc then drops the image, so nothing reaches another host.
browserTest('in a browser /docs renders every operation of /openapi.json, and nothing is fetched from another host', async (t) => {
  const userDataDir = mkdtempSync(join(tmpdir(), 'agentfleet-docs-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.teardown(async () => {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  });
  const elsewhere: string[] = [];
  const page = await context.newPage();
  page.on('requestfinished', (request) => {
    if (!/^(blob|data):/.test(request.url()) && !request.url().startsWith(api.url)) elsewhere.push(request.url());
  });
  await page.goto(`${api.url}/docs`);
  const document = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary: string }>> };
  await page.locator('h2', { hasText: 'Queue a run' }).waitFor({ timeout: 60_000 });
  const text = (await page.locator('h2').allInnerTexts()).join('\n');
  for (const operations of Object.values(document.paths)) {
    for (const { summary } of Object.values(operations)) t.true(text.includes(summary), summary);
  }
  if (process.env.DOCS_SCREENSHOT) await page.screenshot({ path: process.env.DOCS_SCREENSHOT, fullPage: false });
  t.deepEqual(elsewhere, []);
});
