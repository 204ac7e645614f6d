import test from 'ava';
import { mapToSources, renderProfileMarkdown, summarizeCpuProfile, type CpuProfile } from '../../bench/harness/cpu-profile.js';

const root = '/repo';
const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

/** root → handler (project) → [JSON.parse-like native, ioredis write, recursive project helper → itself], plus idle and GC. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)', ''), children: [2, 6, 7] },
    { id: 2, callFrame: frame('handle', 'file:///repo/services/api/routes/runs.ts', 9), children: [3, 4, 5] },
    { id: 3, callFrame: frame('parse', ''), children: [] },
    { id: 4, callFrame: frame('write', 'file:///repo/node_modules/ioredis/built/Redis.js', 99), children: [] },
    { id: 5, callFrame: frame('walk', 'file:///repo/services/core/walk.ts', 0), children: [8] },
    { id: 6, callFrame: frame('(idle)', ''), children: [] },
    { id: 7, callFrame: frame('(garbage collector)', ''), children: [] },
    { id: 8, callFrame: frame('walk', 'file:///repo/services/core/walk.ts', 0), children: [9] },
    { id: 9, callFrame: frame('emit', 'node:events', 40), children: [] },
  ],
  samples: [3, 4, 4, 9, 6, 7, 2, 6],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  startTime: 0,
  endTime: 8000,
};

test('self time is attributed to the sampled function, keyed by function and project-relative file:line', (t) => {
  const summary = summarizeCpuProfile(profile, root);
  t.is(summary.totalMs, 8);
  t.is(summary.samples, 8);
  t.is(summary.idlePercent, 25);
  t.deepEqual(summary.topSelf[0], { name: 'write node_modules/ioredis/built/Redis.js:100', ms: 2, percent: 25 });
  t.true(summary.topSelf.some((entry) => entry.name === 'handle services/api/routes/runs.ts:10' && entry.ms === 1));
});

test('time is grouped by npm package, project file, node internals and V8 buckets', (t) => {
  const areas = Object.fromEntries(summarizeCpuProfile(profile, root).byArea.map((area) => [area.name, area.ms]));
  t.deepEqual(areas, { 'npm ioredis': 2, '(idle)': 2, native: 1, 'node internals': 1, '(garbage collector)': 1, 'services/api/routes/runs.ts': 1 });
});

test('inclusive time covers project callers once per sample, even through recursion', (t) => {
  const inclusive = Object.fromEntries(summarizeCpuProfile(profile, root).topInclusiveProject.map((entry) => [entry.name, entry.ms]));
  t.deepEqual(inclusive, { 'handle services/api/routes/runs.ts:10': 5, 'walk services/core/walk.ts:1': 1 });
});

test('each sample is charged to the nearest project function on its stack, or stays with its area', (t) => {
  const charged = Object.fromEntries(summarizeCpuProfile(profile, root).byNearestProjectFunction.map((entry) => [entry.name, entry.ms]));
  t.deepEqual(charged, {
    'handle services/api/routes/runs.ts:10': 4,
    'walk services/core/walk.ts:1': 1,
    '(idle) (no project function on the stack)': 2,
    '(garbage collector) (no project function on the stack)': 1,
  });
});

test('the markdown names the heading, the context and each table', (t) => {
  const markdown = renderProfileMarkdown(summarizeCpuProfile(profile, root), 'api-ingest: where the time goes', ['server: agentfleet api']);
  t.regex(markdown, /^## api-ingest: where the time goes/);
  t.regex(markdown, /- server: agentfleet api/);
  t.regex(markdown, /\| `write node_modules\/ioredis\/built\/Redis\.js:100` \| 2 \| 25\.0 \|/);
  t.regex(markdown, /8 samples over 0\.0 s; idle 25\.0 %/);
});

test('samples taken inside the measuring code are left out', (t) => {
  const withProbe: CpuProfile = {
    ...profile,
    nodes: [
      ...profile.nodes.map((node) => (node.id === 1 ? { ...node, children: [...(node.children ?? []), 10] } : node)),
      { id: 10, callFrame: frame('startProfile', 'file:///repo/bench/probe/service-probe.ts', 50), children: [11] },
      { id: 11, callFrame: frame('dispatch', ''), children: [] },
    ],
    samples: [...profile.samples, 11, 11],
    timeDeltas: [...profile.timeDeltas, 1000, 1000],
  };
  const summary = summarizeCpuProfile(withProbe, root, { excludeUrl: '/bench/probe/' });
  t.is(summary.excludedSamples, 2);
  t.is(summary.samples, 8);
  t.is(summary.totalMs, 8);
  t.false(summary.topSelf.some((entry) => entry.name === 'dispatch'));
});

test('compiled positions are replaced by the source positions the locator knows, others are kept', (t) => {
  const compiled: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 3] },
      { id: 2, callFrame: { functionName: 'handle', url: 'file:///repo/bench/.build/services/api/routes/runs.js', lineNumber: 19, columnNumber: 54 } },
      { id: 3, callFrame: frame('write', 'file:///repo/node_modules/ioredis/built/Redis.js', 99) },
    ],
    samples: [2, 3],
    timeDeltas: [1000, 1000],
    startTime: 0,
    endTime: 2000,
  };
  const mapped = mapToSources(compiled, (url, line, column) =>
    url.endsWith('runs.js') && line === 19 && column === 54 ? { url: 'file:///repo/services/api/routes/runs.ts', lineNumber: 28 } : undefined,
  );
  const names = summarizeCpuProfile(mapped, root).topSelf.map((entry) => entry.name);
  t.deepEqual(names.sort(), ['handle services/api/routes/runs.ts:29', 'write node_modules/ioredis/built/Redis.js:100']);
  t.is(compiled.nodes[1]?.callFrame.lineNumber, 19, 'the input profile is not changed');
});
