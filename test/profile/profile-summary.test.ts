import test from 'ava';
import fc from 'fast-check';
import { NothingRanError } from '../../services/worker/profile/errors.js';
import { DEFAULT_FOOTPRINT_RULE, roundUpTo, runSecondsWithin, suggestFootprint, summariseProfile, type ProfileObservation } from '../../services/worker/profile/summary.js';

const MIB = 1024 * 1024;

/** Ten seconds, four slots, every slot busy all the time with two-second runs that succeed. */
function observation(overrides: Partial<ProfileObservation> = {}): ProfileObservation {
  const attempts = [];
  for (let slot = 0; slot < 4; slot++) {
    for (let start = -1000; start < 10_000; start += 2000) attempts.push({ startMs: start, endMs: start + 2000, outcome: 'succeeded' });
  }
  return {
    agent: 'greet',
    agentType: 'command',
    concurrency: 4,
    window: { startMs: 0, endMs: 10_000 },
    cpuSeconds: { start: 100, end: 104 },
    idleWorkerBytes: 100 * MIB,
    samples: [
      { workerBytes: 110 * MIB, childProcessesBytes: 20 * MIB },
      { workerBytes: 120 * MIB, childProcessesBytes: 40 * MIB },
      { workerBytes: 115 * MIB, childProcessesBytes: 30 * MIB },
    ],
    attempts,
    eventLoopLagMs: { p50: 0.5, p99: 12 },
    machine: { cores: 8, loadAverage: 1 },
    ...overrides,
  };
}

test('attempt time is clipped to the window, and an attempt still running counts up to its end', (t) => {
  const window = { startMs: 1000, endMs: 5000 };
  t.is(runSecondsWithin([{ startMs: 0, endMs: 2000 }], window), 1);
  t.is(runSecondsWithin([{ startMs: 4000 }], window), 1);
  t.is(runSecondsWithin([{ startMs: 0, endMs: 900 }, { startMs: 5000, endMs: 6000 }], window), 0);
  t.is(runSecondsWithin([{ startMs: 2000, endMs: 3000 }, { startMs: 0 }], window), 5);
});

test('CPU per run-second is the tree\'s CPU over the run time inside the window', (t) => {
  const report = summariseProfile(observation());
  t.is(report.runSeconds, 40); // four slots busy for ten seconds
  t.is(report.meanRunning, 4);
  t.is(report.cpu.seconds, 4);
  t.is(report.cpu.perRunSecond, 0.1);
});

test('memory: the peak of worker and children together, per slot and per extra run over the idle worker', (t) => {
  const { memory } = summariseProfile(observation());
  t.is(memory.workerIdleMiB, 100);
  t.is(memory.workerPeakMiB, 120);
  t.is(memory.childProcessesPeakMiB, 40);
  t.is(memory.totalPeakMiB, 160); // 120 + 40 in the same sample; not 120 + 40 from different ones by accident
  t.is(memory.perRunMiB, 40);
  t.is(memory.marginalPerRunMiB, 15);
});

test('the peak is taken per sample, never by adding peaks of different moments', (t) => {
  const { memory } = summariseProfile(
    observation({
      samples: [
        { workerBytes: 200 * MIB, childProcessesBytes: 0 },
        { workerBytes: 100 * MIB, childProcessesBytes: 50 * MIB },
      ],
    }),
  );
  t.is(memory.totalPeakMiB, 200);
});

test('outcomes count the attempts that overlap the window', (t) => {
  const attempts = [
    { startMs: -3000, endMs: -1000, outcome: 'succeeded' }, // before the window
    { startMs: -500, endMs: 500, outcome: 'succeeded' },
    { startMs: 1000, endMs: 2000, outcome: 'failed' },
    { startMs: 3000, endMs: 4000, outcome: 'timed_out' },
    { startMs: 9000 },
  ];
  const report = summariseProfile(observation({ attempts }));
  t.deepEqual(report.runs, { attemptsInWindow: 4, succeeded: 1, failed: 2, stillRunning: 1 });
  t.true(report.warnings.some((w) => /2 of 3 attempts .* failed/.test(w)));
});

test('the suggested footprint adds the headroom, then rounds up to the rule\'s steps', (t) => {
  const report = summariseProfile(observation());
  // 0.1 vCPU × 1.5 = 0.15; 15 MiB × 1.5 = 22.5 MiB → one 32 MiB step.
  t.deepEqual({ vcpu: report.suggested.vcpu, memoryGiB: report.suggested.memoryGiB }, { vcpu: 0.15, memoryGiB: 1 / 32 });
  t.deepEqual(report.suggested.rule, DEFAULT_FOOTPRINT_RULE);
  t.deepEqual(suggestFootprint({ vcpu: 0.3, memoryGiB: 0.1 }, { headroom: 0, vcpuStep: 0.25, memoryStepGiB: 0.125 }), { vcpu: 0.5, memoryGiB: 0.125 });
});

test('a suggestion is never zero and never below what was measured with its headroom', (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 8, noNaN: true }), fc.double({ min: 0, max: 16, noNaN: true }), (vcpu, memoryGiB) => {
      const suggested = suggestFootprint({ vcpu, memoryGiB });
      return (
        suggested.vcpu >= DEFAULT_FOOTPRINT_RULE.vcpuStep &&
        suggested.memoryGiB >= DEFAULT_FOOTPRINT_RULE.memoryStepGiB &&
        suggested.vcpu >= vcpu * 1.5 - 1e-6 &&
        suggested.memoryGiB >= memoryGiB * 1.5 - 1e-6
      );
    }),
  );
  t.is(roundUpTo(0.3, 0.1), 0.3); // floating point: 0.3 / 0.1 is 2.9999999999999996, not a step more
  t.is(roundUpTo(0, 0.01), 0.01);
});

test('a measurement with no run time is refused rather than divided by zero', (t) => {
  const error = t.throws(() => summariseProfile(observation({ attempts: [{ startMs: -5000, endMs: -4000, outcome: 'failed' }] })), { instanceOf: NothingRanError });
  t.regex(error?.message ?? '', /no run of "greet"/);
});

test('a worker tree that used most of the machine, or a busy machine, is called out', (t) => {
  const saturated = summariseProfile(observation({ cpuSeconds: { start: 0, end: 70 }, machine: { cores: 8, loadAverage: 7 } }));
  t.true(saturated.warnings.some((w) => /used 7\.00 of 8 cores/.test(w)));
  const busy = summariseProfile(observation({ machine: { cores: 2, loadAverage: 9 } }));
  t.true(busy.warnings.some((w) => /load average 9\.0 on 2 cores/.test(w)));
  t.deepEqual(summariseProfile(observation()).warnings, []);
});
