import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { BUILT_IN_TRACES, concurrencyAt, loadTrace, TraceError } from '../../services/scaler/simulator/trace.js';
import { SHORT_TRACE_FILE } from './helpers.js';

const peakOf = (name: string) => Math.max(...loadTrace(name).concurrency.map(([, c]) => c));

test('the three built-in traces parse', (t) => {
  t.deepEqual(Object.keys(BUILT_IN_TRACES).sort(), ['spike', 'surge-10k', 'weekday']);
  for (const name of Object.keys(BUILT_IN_TRACES)) t.is(loadTrace(name).name, name);
});

test('weekday: 1,000–2,000 concurrent runs, its peak in the early afternoon UTC (the morning in the US)', (t) => {
  const trace = loadTrace('weekday');
  const hours = Array.from({ length: 24 }, (_, h) => concurrencyAt(trace, h * 3600));
  t.true(hours.every((c) => c >= 1000 && c <= 2000));
  const peakHour = hours.indexOf(Math.max(...hours));
  t.true(peakHour >= 13 && peakHour <= 15, `peak at ${peakHour}:00`);
  t.true(concurrencyAt(trace, 13 * 3600) > concurrencyAt(trace, 10 * 3600));
});

test('surge-10k ramps to 10,000 concurrent runs; spike jumps twentyfold within a minute', (t) => {
  t.is(peakOf('surge-10k'), 10_000);
  const spike = loadTrace('spike');
  const jump = spike.concurrency.findIndex(([at], i) => i > 0 && at - (spike.concurrency[i - 1]?.[0] ?? 0) <= 60 && (spike.concurrency[i]?.[1] ?? 0) >= 20 * (spike.concurrency[i - 1]?.[1] ?? Infinity));
  t.true(jump > 0);
});

test('a trace file in JSON parses with the same schema', (t) => {
  const trace = loadTrace(SHORT_TRACE_FILE);
  t.is(trace.name, 'short-burst');
  t.is(trace.conditions.fargateSpotTasksAvailable, 20);
});

test('a bad trace file is refused with the field named', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'trace-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ ...BUILT_IN_TRACES.weekday, runSeconds: { distribution: 'log-normal', medianSeconds: 600, p95Seconds: 60 } }));
  const error = t.throws(() => loadTrace(file), { instanceOf: TraceError });
  t.regex(error?.message ?? '', /runSeconds\.p95Seconds/);
  writeFileSync(file, JSON.stringify({ ...BUILT_IN_TRACES.weekday, concurrency: [[0, 10], [60, 20], [30, 5]] }));
  t.regex(t.throws(() => loadTrace(file))?.message ?? '', /concurrency\.2\.0: times must not go back/);
  t.regex(t.throws(() => loadTrace(join(dir, 'missing.json')))?.message ?? '', /no built-in trace .*weekday, surge-10k, spike/);
});
