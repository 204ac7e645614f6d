import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serveRequests } from '../harness/ipc.js';

/**
 * Loaded with `node --import` beside a service under test (agentfleet api or worker), whose code is
 * unchanged. It answers the bench runner over IPC:
 * - `eventLoop`: event-loop delay percentiles since the last ask. The histogram records the time
 *   between samples, so the sampling resolution is taken off to give the delay.
 * - `startProfile` / `stopProfile`: V8's sampling CPU profiler (what `node --cpu-prof` uses) over
 *   the load window only, so start-up does not drown the figures. The runner maps positions back
 *   to the TypeScript sources afterwards, so the process pays nothing for source maps.
 * The probe lets the process exit as if it were not there.
 */
const RESOLUTION_MS = 10;

const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
histogram.enable();
const delayMs = (nanoseconds: number) => Math.max(nanoseconds / 1e6 - RESOLUTION_MS, 0);

let session: Session | undefined;

serveRequests(
  {
    eventLoop: () => {
      const report = {
        resolutionMs: RESOLUTION_MS,
        samples: histogram.count,
        p50Ms: delayMs(histogram.percentile(50)),
        p99Ms: delayMs(histogram.percentile(99)),
        maxMs: delayMs(histogram.max),
      };
      histogram.reset();
      return report;
    },
    startProfile: async () => {
      session = new Session();
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.start');
      return { started: true };
    },
    stopProfile: async (payload) => {
      const { path } = payload as { path: string };
      if (!session) throw new Error('stopProfile without startProfile');
      const { profile } = await session.post('Profiler.stop');
      session.disconnect();
      session = undefined;
      writeFileSync(path, JSON.stringify(profile));
      return { path, samples: profile.samples?.length ?? 0 };
    },
  },
  { keepAlive: false },
);
