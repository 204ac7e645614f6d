import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

/**
 * scripts/plan-comment.sh (one plan comment per pull request) and scripts/drift-issue.sh (one drift
 * issue per environment), run under bash. GitHub is out of reach here, so `gh` is a stand-in: a
 * listing returns the fixture run through the script's own --jq filter (with jq), and each write is
 * recorded as {method, url, fields}.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const GH = `#!/bin/bash
if [[ $1 == api && $2 == --paginate ]]; then jq -r "$5" "$GH_FIXTURE"; exit; fi
method=$3 url=$4; shift 4
fields=(); for a; do [[ $a == -f ]] || fields+=("$a"); done
jq -cn --arg method "$method" --arg url "$url" '{method: $method, url: $url, fields: $ARGS.positional}' --args "\${fields[@]}" >> "$GH_LOG"
`;

interface Call {
  method: string;
  url: string;
  fields: string[];
}

function github(t: { teardown(fn: () => void): void }, fixture: unknown[]) {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-gh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'gh'), GH, { mode: 0o755 });
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fixture));
  const reports = join(dir, 'reports');
  mkdirSync(reports);
  const run = (script: string, args: string[]) => {
    const result = spawnSync('bash', [join(ROOT, 'scripts', script), ...args], {
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
        GH_FIXTURE: join(dir, 'fixture.json'),
        GH_LOG: join(dir, 'calls'),
        GITHUB_REPOSITORY: 'acme/agentfleet',
        RUN_URL: 'https://example.invalid/run/1',
      },
      encoding: 'utf8',
    });
    const log = join(dir, 'calls');
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Call) : [];
    return { status: result.status, stderr: result.stderr, calls };
  };
  return { reports, run };
}

const field = (call: Call | undefined, name: string) => call?.fields.find((f) => f.startsWith(`${name}=`))?.slice(name.length + 1);

test('the first plan of a pull request comments once, with every environment\'s summary', (t) => {
  const gh = github(t, [{ id: 5, body: 'looks good' }]);
  writeFileSync(join(gh.reports, 'dev.md'), '### dev: Plan: 1 to add, 0 to change, 0 to destroy.\n');
  writeFileSync(join(gh.reports, 'staging.md'), '### staging: No changes. Your infrastructure matches the configuration.\n');
  const result = gh.run('plan-comment.sh', [gh.reports, '17']);
  t.is(result.status, 0, result.stderr);
  t.is(result.calls.length, 1);
  const [call] = result.calls;
  t.like(call, { method: 'POST', url: 'repos/acme/agentfleet/issues/17/comments' });
  const body = field(call, 'body') ?? '';
  t.true(body.startsWith('<!-- agentfleet:plan-comment -->\n'));
  t.regex(body, /### dev: Plan: 1 to add[\s\S]*### staging: No changes[\s\S]*### prod: not planned yet: it plans once a reviewer approves the `prod-plan` environment/);
  t.true(body.includes('https://example.invalid/run/1'));
});

test('a later push edits that comment in place', (t) => {
  const gh = github(t, [
    { id: 5, body: 'see <!-- agentfleet:plan-comment --> below' },
    { id: 42, body: '<!-- agentfleet:plan-comment -->\n## terraform plan\nold' },
    { id: 43, body: '<!-- agentfleet:plan-comment -->\n## terraform plan\na copy left by a race' },
  ]);
  writeFileSync(join(gh.reports, 'prod.md'), '### prod: Plan: 0 to add, 2 to change, 0 to destroy.\n');
  const result = gh.run('plan-comment.sh', [gh.reports, '17']);
  t.is(result.status, 0, result.stderr);
  t.deepEqual(result.calls.map((call) => `${call.method} ${call.url}`), ['PATCH repos/acme/agentfleet/issues/comments/42']);
  t.regex(field(result.calls[0], 'body') ?? '', /### prod: Plan: 0 to add, 2 to change/);
});

const openIssues = [
  { number: 3, body: '<!-- agentfleet:drift:dev -->\nold', pull_request: null },
  { number: 8, body: '<!-- agentfleet:drift:prod -->\na pull request quoting it', pull_request: { url: 'x' } },
  { number: 9, body: '<!-- agentfleet:drift:prod -->\nold' },
];

test('drift opens the environment\'s issue when none is open, and rewrites the open one otherwise', (t) => {
  const fresh = github(t, openIssues.slice(0, 2));
  writeFileSync(join(fresh.reports, 'prod.drift'), 'drift\n');
  writeFileSync(join(fresh.reports, 'prod.md'), '### drift in prod: Plan: 0 to add, 1 to change, 0 to destroy.\n');
  const opened = fresh.run('drift-issue.sh', ['prod', fresh.reports]);
  t.is(opened.status, 0, opened.stderr);
  t.deepEqual(opened.calls.map((call) => `${call.method} ${call.url} ${field(call, 'title')}`), ['POST repos/acme/agentfleet/issues Drift: prod differs from main']);
  t.regex(field(opened.calls[0], 'body') ?? '', /^<!-- agentfleet:drift:prod -->\nprod differs from main[\s\S]*1 to change/);

  const again = github(t, openIssues);
  writeFileSync(join(again.reports, 'prod.drift'), 'drift\n');
  writeFileSync(join(again.reports, 'prod.md'), '### drift in prod: Plan: 1 to add, 1 to change, 0 to destroy.\n');
  const updated = again.run('drift-issue.sh', ['prod', again.reports]);
  t.deepEqual(updated.calls.map((call) => `${call.method} ${call.url}`), ['PATCH repos/acme/agentfleet/issues/9']);
});

test('a clean environment closes its open drift issue and leaves the others', (t) => {
  const gh = github(t, openIssues);
  writeFileSync(join(gh.reports, 'prod.drift'), 'clean\n');
  const closed = gh.run('drift-issue.sh', ['prod', gh.reports]);
  t.is(closed.status, 0, closed.stderr);
  t.deepEqual(closed.calls.map((call) => `${call.method} ${call.url} ${call.fields.join(',')}`.trim()).slice(1), ['PATCH repos/acme/agentfleet/issues/9 state=closed']);
  t.is(closed.calls[0]?.url, 'repos/acme/agentfleet/issues/9/comments');

  writeFileSync(join(gh.reports, 'staging.drift'), 'clean\n');
  t.deepEqual(gh.run('drift-issue.sh', ['staging', gh.reports]).calls.length, 2, 'staging has no issue: nothing more is written');
});

test('a drift check that failed or left no result fails and touches no issue', (t) => {
  const gh = github(t, openIssues);
  writeFileSync(join(gh.reports, 'prod.drift'), 'error\n');
  const failed = gh.run('drift-issue.sh', ['prod', gh.reports]);
  t.is(failed.status, 1);
  t.regex(failed.stderr, /the drift check of prod did not finish \(result: error\)/);
  const missing = gh.run('drift-issue.sh', ['dev', gh.reports]);
  t.is(missing.status, 1);
  t.regex(missing.stderr, /result: missing/);
  t.deepEqual([...failed.calls, ...missing.calls], []);
});
