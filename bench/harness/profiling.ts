import { readFileSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchContext } from './benchmark.js';
import { mapToSources, renderProfileMarkdown, summarizeCpuProfile, type CpuProfile, type ProfileSummary, type SourceLocator } from './cpu-profile.js';
import type { BenchProcess } from './processes.js';

/**
 * Where the time goes in a service that missed its goal: the service probe (bench/probe) runs V8's
 * CPU profiler in the service while the benchmark loads it again; the summary lands in
 * bench/results/<name>.profile.md beside the raw <name>.cpuprofile.
 */
export interface ProfileRequest {
  /** A service started with the probe loaded (see stack.ts). */
  process: BenchProcess;
  /** Applies the benchmark's load while the profiler runs. */
  load: () => Promise<void>;
  /** Lines that say what was profiled and under which load. */
  context: string[];
}

export interface CapturedProfile {
  /** The markdown summary's path, relative to the repository. */
  path: string;
  summary: ProfileSummary;
  /** "npm ioredis 21 %, services/core/run/redis-run-store.ts 9 %, …" */
  headline: string;
}

export async function captureProfile(bench: BenchContext, name: string, request: ProfileRequest): Promise<CapturedProfile> {
  const rawPath = join(bench.resultsDir, `${name}.cpuprofile`);
  await request.process.request('startProfile');
  try {
    await request.load();
  } finally {
    await request.process.request('stopProfile', { path: rawPath });
  }
  return summarizeProfileFile(bench, name, rawPath, request.context);
}

/** Summarises a .cpuprofile already in bench/results (from the probe, or from `node --cpu-prof`). */
export function summarizeProfileFile(bench: BenchContext, name: string, rawPath: string, context: string[]): CapturedProfile {
  const profile = mapToSources(JSON.parse(readFileSync(rawPath, 'utf8')) as CpuProfile, sourceMapLocator());
  const summary = summarizeCpuProfile(profile, bench.root, { excludeUrl: '/bench/probe/' });
  const markdownPath = join(bench.resultsDir, `${name}.profile.md`);
  const lines = [...context, `raw profile: ${relative(bench.root, rawPath)} (open it in Chrome DevTools, Performance tab)`];
  writeFileSync(markdownPath, renderProfileMarkdown(summary, `${name}: where the time goes`, lines));
  const headline = summary.byArea
    .filter((area) => area.name !== '(idle)')
    .slice(0, 6)
    .map((area) => `${area.name} ${area.percent.toFixed(0)} %`)
    .join(', ');
  return { path: relative(bench.root, markdownPath), summary, headline };
}

/** Reads the .js.map tsc wrote beside each compiled file (bench/.build), once per file. */
function sourceMapLocator(): SourceLocator {
  const maps = new Map<string, SourceMap | undefined>();
  return (url, lineNumber, columnNumber) => {
    if (!url.startsWith('file://')) return undefined;
    const file = fileURLToPath(url);
    if (!maps.has(file)) {
      try {
        maps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
      } catch {
        maps.set(file, undefined);
      }
    }
    const entry = maps.get(file)?.findEntry(lineNumber, columnNumber);
    if (!entry || !('originalSource' in entry)) return undefined;
    return { url: pathToFileURL(resolve(dirname(file), entry.originalSource)).href, lineNumber: entry.originalLine };
  };
}
