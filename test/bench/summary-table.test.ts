import test from 'ava';
import type { MachineInfo } from '../../bench/harness/machine.js';
import { resultFromError, resultFromMeasurement, type Measurement, type ResultHeader } from '../../bench/harness/result.js';
import { renderSummary } from '../../bench/harness/table.js';

const machine: MachineInfo = { cpuModel: 'Test CPU', cores: 2, memoryGiB: 24, node: 'v20.0.0', os: 'linux', loadAverage: 0.5 };
const pinning = { pinned: true, processes: { server: '0', 'load generator': '1', redis: '1' } };

function header(name: string, goals: ResultHeader['goals'], unit = 'runs/s'): ResultHeader {
  return { name, title: name.replace('-', ' '), unit, goals, machine, startedAt: '2026-01-01T00:00:00.000Z', durationSeconds: 12.34 };
}

const ingest = header('api-ingest', [
  { figure: 'value', op: '>=', target: 6000, label: 'runs/s' },
  { figure: 'p99', op: '<=', target: 30, unit: 'ms' },
  { figure: 'ratio', op: '>=', target: 0.38 },
]);

const measured: Measurement = {
  value: 6543.21,
  ceiling: { name: 'koa echo', value: 15000 },
  latency: { p50: 6.12345, p95: 12.5, p99: 20.25 },
  inputs: { connections: 50 },
  pinning,
  notes: ['server CPU 99 %'],
};

test('a result carries the contract fields, with the ratio against its ceiling', (t) => {
  const result = resultFromMeasurement(ingest, measured);
  t.like(result, { name: 'api-ingest', unit: 'runs/s', value: 6543, ceiling: 15000, ceilingName: 'koa echo', ratio: 0.436, met: true, p50: 6.123, p95: 12.5, p99: 20.25 });
  t.is(result.goal, 'runs/s ≥ 6,000, p99 ≤ 30 ms, ratio ≥ 0.38');
  t.deepEqual(result.machine, machine);
  t.deepEqual(result.pinning, pinning);
});

test('a result without a ceiling has no ratio, and a ratio goal is then missed', (t) => {
  const result = resultFromMeasurement(ingest, { ...measured, ceiling: undefined });
  t.is(result.ratio, undefined);
  t.is(result.ceiling, undefined);
  t.false(result.met);
});

test('the table has one row per benchmark with result, ceiling, ratio, latency, goal and verdict', (t) => {
  const table = renderSummary([resultFromMeasurement(ingest, measured)], { generatedAt: 'now', machine, pinning, totalSeconds: 61 });
  t.regex(table, /\| api ingest \| 6,543 runs\/s \| 15,000 \(koa echo\) \| 0\.436 \| 6\.12 \/ 12\.5 \/ 20\.25 \| runs\/s ≥ 6,000, p99 ≤ 30 ms, ratio ≥ 0\.38 \| yes \|/);
  t.regex(table, /server on CPU 0, load generator on CPU 1, redis on CPU 1/);
  t.regex(table, /1 of 1 goals met in 61 s/);
  t.notRegex(table, /What limits/);
});

test('a missed goal is marked in the row and explained, with its profile, in the closing notes', (t) => {
  const slow = resultFromMeasurement(ingest, { ...measured, latency: { p50: 9, p95: 30, p99: 41 } });
  const table = renderSummary([{ ...slow, profile: 'bench/results/api-ingest.profile.md' }], { generatedAt: 'now', machine, totalSeconds: 1 });
  t.regex(table, /\| \*\*no\*\* \(p99\) \|/);
  t.regex(table, /missed p99 ≤ 30 ms \(measured 41\)/);
  t.regex(table, /- server CPU 99 %/);
  t.regex(table, /Where the time goes: bench\/results\/api-ingest\.profile\.md/);
});

test('figures other than value, ratio and latency are shown with the result', (t) => {
  const concurrency = header(
    'concurrency',
    [
      { figure: 'value', op: '<=', target: 300, label: 'RSS', unit: 'MB' },
      { figure: 'redisBytesPerRun', op: '<=', target: 3072, label: 'Redis', unit: 'B/run' },
      { figure: 'stalls', op: '<=', target: 0, label: 'stalls' },
    ],
    'MB RSS',
  );
  const result = resultFromMeasurement(concurrency, { value: 212.4, figures: { redisBytesPerRun: 2400, stalls: 0 }, inputs: {}, pinning });
  t.regex(renderSummary([result], { generatedAt: 'now', machine, totalSeconds: 1 }), /\| 212\.4 MB RSS; Redis 2,400 B\/run; stalls 0 \|/);
});

test('a benchmark that could not run says why instead of showing a figure', (t) => {
  const failed = resultFromError(ingest, new Error('services/api/server.ts is missing'));
  t.false(failed.met);
  t.is(failed.value, undefined);
  const table = renderSummary([failed], { generatedAt: 'now', machine, totalSeconds: 1 });
  t.regex(table, /\| api ingest \| not run \|/);
  t.regex(table, /did not run: services\/api\/server\.ts is missing/);
  t.regex(table, /0 of 1 goals met/);
});

test('a pipe in a cell cannot break the table', (t) => {
  const failed = resultFromError({ ...ingest, title: 'a|b' }, new Error('x'));
  t.regex(renderSummary([failed], { generatedAt: 'now', machine, totalSeconds: 1 }), /\| a\\\|b \|/);
});

test('a result measured while other processes took much of its CPU carries a warning', (t) => {
  const shared = resultFromMeasurement(ingest, { ...measured, figures: { otherOnServerCpu: 0.63 } });
  t.regex(renderSummary([shared], { generatedAt: 'now', machine, totalSeconds: 1 }), /\| yes ⚠ CPU 63 % taken by other processes \|/);
  const quiet = resultFromMeasurement(ingest, { ...measured, figures: { otherOnServerCpu: 0.05 } });
  t.notRegex(renderSummary([quiet], { generatedAt: 'now', machine, totalSeconds: 1 }), /⚠/);
});
