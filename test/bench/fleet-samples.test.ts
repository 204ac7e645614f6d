import test from 'ava';
import { commandsPerSecond, dispatchWaitsMs, infoField, NoSamplesError, peakRunning, queueWaitsMs, samplesAtOrAbove, summarizeQueueWaits, type FleetSample } from '../../bench/harness/fleet-samples.js';

const sample = (atMs: number, running: number, totalCommands = 0, usedMemory = 0): FleetSample => ({ atMs, running, totalCommands, usedMemory });

test('the peak is the most runs running at once, and when it was first reached', (t) => {
  const samples = [sample(0, 10), sample(250, 9_000), sample(500, 10_000), sample(750, 10_000), sample(1_000, 4_000)];
  t.deepEqual(peakRunning(samples), { running: 10_000, atMs: 500 });
});

test('a peak of no samples is an error, not zero', (t) => {
  t.throws(() => peakRunning([]), { instanceOf: NoSamplesError });
});

test('the full-size window keeps only the samples at or above the threshold', (t) => {
  const samples = [sample(0, 9_999), sample(250, 10_000), sample(500, 10_001), sample(750, 3)];
  t.deepEqual(
    samplesAtOrAbove(samples, 10_000).map((s) => s.atMs),
    [250, 500],
  );
});

test('Redis commands per second are the counter difference over the window', (t) => {
  t.is(commandsPerSecond([sample(1_000, 0, 5_000), sample(1_500, 0, 5_500), sample(3_000, 0, 9_000)]), 2_000);
});

test('one sample, or a window of no time, has no rate', (t) => {
  t.is(commandsPerSecond([sample(0, 0, 10)]), undefined);
  t.is(commandsPerSecond([]), undefined);
  t.is(commandsPerSecond([sample(5, 0, 10), sample(5, 0, 20)]), undefined);
});

test('INFO fields are read by name, whole lines only', (t) => {
  const info = '# Stats\r\ntotal_connections_received:12\r\ntotal_commands_processed:123456\r\ninstantaneous_ops_per_sec:789\r\n';
  t.is(infoField(info, 'total_commands_processed'), 123_456);
  t.is(infoField(info, 'instantaneous_ops_per_sec'), 789);
  t.true(Number.isNaN(infoField(info, 'commands_processed')));
});

test('queue waits are startedAt − createdAt; runs that never started are left out', (t) => {
  const runs = [
    { createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:01.500Z' },
    { createdAt: '2026-01-01T00:00:00.000Z' },
    { createdAt: '2026-01-01T00:00:02.000Z', startedAt: '2026-01-01T00:00:02.250Z' },
  ];
  t.deepEqual(queueWaitsMs(runs), [1_500, 250]);
  const summary = summarizeQueueWaits(runs);
  t.is(summary?.count, 2);
  t.is(summary?.p50, 875);
  t.is(summarizeQueueWaits([{ createdAt: '2026-01-01T00:00:00.000Z' }]), undefined);
});

test('the dispatch wait counts from when the workers were ready, or from creation when that was later', (t) => {
  const ready = Date.parse('2026-01-01T00:01:00.000Z');
  const runs = [
    { createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:01:02.000Z' },
    { createdAt: '2026-01-01T00:01:05.000Z', startedAt: '2026-01-01T00:01:05.300Z' },
    { createdAt: '2026-01-01T00:00:10.000Z' },
  ];
  t.deepEqual(dispatchWaitsMs(runs, ready), [2_000, 300]);
});
