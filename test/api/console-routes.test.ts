import test from 'ava';
import { startApiHarness, type ApiHarness } from './helpers/api-harness.js';

let api: ApiHarness;

test.before(async () => {
  api = await startApiHarness();
});

test.after.always(async () => {
  await api?.close();
});

test('GET /ui serves the console page without a key, under a same-origin-only content security policy', async (t) => {
  const response = await fetch(`${api.url}/ui`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /^text\/html/);
  t.regex(response.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  const html = await response.text();
  t.regex(html, /src="\/ui\/js\/main\.js"/);
  t.notRegex(html, /https?:\/\//, 'nothing is loaded from another origin');
});

test('the chart library comes from the installed package, not a CDN', async (t) => {
  const script = await fetch(`${api.url}/ui/vendor/uPlot.iife.min.js`);
  t.is(script.status, 200);
  t.regex(script.headers.get('content-type') ?? '', /^text\/javascript/);
  t.regex(await script.text(), /uPlot/);
  t.is((await fetch(`${api.url}/ui/vendor/uPlot.min.css`)).status, 200);
});

test('only the listed files are served: an unknown name or a path out of the folder is a 404 problem', async (t) => {
  for (const path of ['/ui/missing.js', '/ui/../package.json', '/ui/%2e%2e/%2e%2e/package.json', '/ui/js/../../../app.ts']) {
    const response = await fetch(`${api.url}${path}`);
    t.is(response.status, 404, path);
    t.regex(response.headers.get('content-type') ?? '', /problem\+json/, path);
  }
});
