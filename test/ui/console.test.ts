import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import anyTest, { type TestFn } from 'ava';
import { Redis } from 'ioredis';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { KeyStore } from '../../services/core/auth/key-store.js';
import { startDevPlatform, type DevPlatform } from '../support/dev-platform.js';
import { startRedis, type TestRedis } from '../support/redis.js';

/**
 * The web console in headless Chromium against `agentfleet dev` (API, scaler, local workers on a
 * private Redis): sign in, follow runs to their end, cancel one from its page, read the fleet and the
 * queue charts, a 401 page for a bad key, and never another tenant's runs. Screenshots go to
 * test/ui/screenshots/ (git-ignored) for a person to look at.
 */

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const KEY = 'ui-console-key-0123456789abcdef';
const OTHER_TENANT_KEY = 'ui-other-tenant-key-0123456789ab';

interface Run {
  id: string;
  status: string;
}

const test = anyTest as TestFn<unknown>;
const available = existsSync(CHROMIUM);
const browserTest = available ? test.serial : test.serial.skip;
if (!available) console.warn(`test/ui: ${CHROMIUM} is missing, so the console's browser tests are skipped (apt-get install chromium; .ci/run installs it)`);

let redis: TestRedis;
let dev: DevPlatform;
let context: BrowserContext;
let userDataDir: string;
const otherTenantRunIds: string[] = [];

test.before(async () => {
  if (!available) return;
  redis = await startRedis();
  dev = await startDevPlatform({
    key: KEY,
    tenant: 'ui-ops',
    args: ['--slots', '4', '--min-workers', '1', '--max-workers', '2'],
    env: { REDIS_URL: redis.url, QUEUE_NAME: `ui-${process.pid}`, QUEUE_SAMPLE_SECONDS: '1', SHUTDOWN_GRACE_SECONDS: '5', KILL_GRACE_SECONDS: '2' },
  });
  const client = new Redis(redis.url);
  await new KeyStore(client).register('ui-other', OTHER_TENANT_KEY);
  client.disconnect();
  for (let i = 0; i < 3; i++) {
    const response = await fetch(`${dev.url}/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OTHER_TENANT_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ agent: 'simulate', input: { durationMs: 100 } }),
    });
    otherTenantRunIds.push(((await response.json()) as Run).id);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'agentfleet-ui-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 860 },
    colorScheme: 'light',
  });
});

test.after.always(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await dev?.stop();
  await redis?.stop();
});

async function submit(body: Record<string, unknown>): Promise<Run> {
  const { status, json } = await dev.request<Run>('POST', '/v1/runs', body);
  if (status !== 202) throw new Error(`POST /v1/runs answered ${status}`);
  return json;
}

function rowIds(page: Page): Promise<(string | null)[]> {
  return page.locator('tr[data-run-id]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')));
}

async function signIn(key: string): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error('console page error:', error.message));
  await page.goto(`${dev.url}/ui`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  return page;
}

browserTest('a bad key gets the 401 page, which says how to get a good one', async (t) => {
  const page = await signIn('not-a-real-key');
  await page.getByRole('heading', { name: '401 · API key refused' }).waitFor();
  t.regex(await page.locator('main').innerText(), /agentfleet keys create/);
  t.is(await page.evaluate("sessionStorage.getItem('agentfleet.apiKey')"), null, 'the refused key is forgotten');
  await page.screenshot({ path: join(SCREENSHOTS, 'unauthorized.png') });
  await page.close();
});

browserTest('a run reaches succeeded in the table and on its page, with its events; no other tenant run is listed', async (t) => {
  const page = await signIn(KEY);
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  const quick = await submit({ agent: 'word-count', input: { text: 'one two\nthree four five\nsix' } });
  await submit({ agent: 'simulate', input: { durationMs: 400 } });
  await submit({ agent: 'simulate', input: { durationMs: 20, failRate: 1 }, maxAttempts: 1 });

  const row = page.locator(`tr[data-run-id="${quick.id}"]`);
  await row.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 60_000 });
  t.regex(await row.innerText(), /word-count/);
  await page.locator('tr[data-status="failed"]').waitFor({ timeout: 30_000 });
  await page.locator('tr[data-status="succeeded"]').nth(1).waitFor({ timeout: 30_000 });
  const listed = await page.locator('tr[data-run-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
  t.is(listed.length, 3);
  for (const id of otherTenantRunIds) t.false(listed.includes(id), "another tenant's run is never listed");
  await page.screenshot({ path: join(SCREENSHOTS, 'runs-table.png'), fullPage: true });

  await row.getByRole('link').click();
  await page.getByRole('heading', { name: `Run ${quick.id}` }).waitFor();
  await page.locator('#events li[data-type="status"]').filter({ hasText: 'succeeded' }).waitFor();
  const types = await page.locator('#events li').evaluateAll((items) => items.map((li) => li.getAttribute('data-type')));
  t.deepEqual(types.filter((type) => type === 'status'), ['status', 'status', 'status'], 'queued, running, succeeded');
  t.true(types.includes('log') && types.includes('progress'), 'the agent log and progress lines are shown');
  t.regex(await page.locator('main').innerText(), /"words": 6/);
  await page.getByText('ended (run finished)').waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'run-page.png'), fullPage: true });

  await page.goto(`${dev.url}/ui#/runs/${otherTenantRunIds[0]}`);
  await page.getByRole('heading', { name: 'Run not found' }).waitFor();
  t.pass();
  await page.close();
});

browserTest('the table filters by status and agent and pages with the cursor, older and back', async (t) => {
  const page = await signIn(KEY);
  await page.goto(`${dev.url}/ui#/runs?limit=2`);
  await page.locator('tr[data-run-id]').nth(1).waitFor();
  const firstPage = await rowIds(page);
  t.is(firstPage.length, 2);
  await page.getByRole('button', { name: 'Older →' }).click();
  await page.getByText('Page 2').waitFor();
  await page.locator(`tr[data-run-id="${firstPage[0]}"]`).waitFor({ state: 'detached' });
  const secondPage = await rowIds(page);
  t.true(secondPage.length >= 1);
  t.false(secondPage.some((id) => firstPage.includes(id)), 'the next page has older runs only');
  await page.getByRole('button', { name: '← Newer' }).click();
  await page.getByText('Page 1').waitFor();

  await page.getByLabel('Status').selectOption('failed');
  await page.waitForURL(/status=failed/);
  await page.locator('tr[data-status="failed"]').first().waitFor();
  t.deepEqual([...new Set(await page.locator('tr[data-run-id]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))))], ['failed']);

  await page.goto(`${dev.url}/ui#/runs?agent=word-count`);
  await page.locator('tr[data-run-id]').first().waitFor();
  const agents = await page.locator('tr[data-run-id] td:nth-child(3)').allInnerTexts();
  t.deepEqual([...new Set(agents)], ['word-count']);
  await page.goto(`${dev.url}/ui#/runs?agent=no-such-agent`);
  await page.getByText('No runs match these filters.').waitFor();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${dev.url}/ui#/runs`);
  await page.locator('tr[data-run-id]').first().waitFor();
  await page.screenshot({ path: join(SCREENSHOTS, 'runs-table-phone.png'), fullPage: true });
  await page.close();
});

browserTest('a long run is cancelled from its page after confirming, and its page follows it to cancelled', async (t) => {
  const page = await signIn(KEY);
  const long = await submit({ agent: 'simulate', input: { durationMs: 120_000 }, timeoutSeconds: 300 });
  await page.goto(`${dev.url}/ui#/runs/${long.id}`);
  await page.locator('#events li[data-type="status"]').filter({ hasText: 'running' }).waitFor({ timeout: 30_000 });

  // By keyboard first: Enter opens the confirmation, whose safe choice has the focus; Escape closes it.
  await page.getByRole('button', { name: 'Cancel run' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'Cancel this run?' });
  await dialog.waitFor();
  t.is(await page.evaluate('document.activeElement.textContent'), 'Keep running');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  t.is((await dev.request<Run>('GET', `/v1/runs/${long.id}`)).json.status, 'running', 'closing the dialog changes nothing');

  await page.getByRole('button', { name: 'Cancel run' }).click();
  await dialog.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('#events li[data-type="status"]').filter({ hasText: 'cancelled' }).waitFor({ timeout: 30_000 });
  await page.locator('.view-head .badge.s-cancelled').waitFor();
  t.is((await dev.request<Run>('GET', `/v1/runs/${long.id}`)).json.status, 'cancelled');
  await page.close();
});

browserTest('the fleet page shows pools, workers with breakers, the scaler decision and queue charts with data', async (t) => {
  const page = await signIn(KEY);
  await page.goto(`${dev.url}/ui#/fleet`);
  await page.locator('#pools tr[data-pool="local"]').waitFor({ timeout: 30_000 });
  await page.locator('#workers tr[data-worker] .badge.b-closed').first().waitFor();
  await page.locator('#decision-reasons li').first().waitFor({ timeout: 30_000 });
  await page.locator('#chart-counts canvas').waitFor();
  await page.locator('#chart-age canvas').waitFor();
  // The API samples every second here: wait for a few samples so the lines have length.
  await page.getByText(/\d+ samples, one every 1 s/).waitFor({ timeout: 30_000 });
  const samples = Number((await page.getByText(/\d+ samples, one every 1 s/).innerText()).split(' ')[0]);
  t.true(samples >= 2);
  // Runs in the page (the test's tsconfig has no DOM types, hence the shape spelled out).
  const canvasPainted = await page.locator('#chart-counts canvas').evaluate((element) => {
    const canvas = element as unknown as { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    let painted = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
    return painted;
  });
  t.true(canvasPainted > 100, 'the chart drew something');
  await page.screenshot({ path: join(SCREENSHOTS, 'fleet-page.png'), fullPage: true });

  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SCREENSHOTS, 'fleet-page-phone-dark.png'), fullPage: true });
  await page.close();
});

// Last: it kills Redis under the platform.
browserTest('with Redis down the runs page says so and what to do, and recovers when it is back', async (t) => {
  const page = await signIn(KEY);
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  await page.locator('tr[data-run-id]').first().waitFor();
  await redis.kill();
  const banner = page.getByRole('alert');
  await banner.waitFor({ timeout: 30_000 });
  const text = await banner.innerText();
  t.regex(text, /Error 503/);
  t.regex(text, /redis-cli/);
  t.true(await page.locator('tr[data-run-id]').first().isVisible(), 'the last rows stay on screen under the banner');
  await page.screenshot({ path: join(SCREENSHOTS, 'runs-redis-down.png') });
  await redis.restart();
  await banner.waitFor({ state: 'detached', timeout: 30_000 });
  await page.close();
});
