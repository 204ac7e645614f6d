import { execFile } from 'node:child_process';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Every process a benchmark measures runs compiled JavaScript with plain `node`, as the container
 * image does (tsx's loader and source-map support cost ~35 MB of RSS and would blur the figures):
 * the services and the bench's own processes (ceilings, probe, fauxqs host) are compiled together
 * by bench/tsconfig.build.json into bench/.build, with source maps for the profile summaries.
 */
export interface BenchBuild {
  dir: string;
  seconds: number;
}

export async function buildForBench(root: string): Promise<BenchBuild> {
  const dir = join(root, 'bench', '.build');
  const started = performance.now();
  rmSync(dir, { recursive: true, force: true });
  try {
    await promisify(execFile)(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'bench', 'tsconfig.build.json')], {
      cwd: root,
      maxBuffer: 16 * 2 ** 20,
    });
  } catch (error) {
    const output = (error as { stdout?: string }).stdout ?? '';
    throw new Error(`compiling for the benchmarks failed (bench/tsconfig.build.json):\n${output.slice(-4000)}`, { cause: error });
  }
  // tsc emits JavaScript only; the run store loads its Lua scripts from beside its modules.
  for (const entry of readdirSync(join(root, 'services'), { recursive: true })) {
    if (typeof entry === 'string' && entry.endsWith('.lua')) cpSync(join(root, 'services', entry), join(dir, 'services', entry));
  }
  return { dir, seconds: (performance.now() - started) / 1000 };
}

/** The compiled file of a TypeScript source, e.g. compiledPath(build, 'bench/ceilings/koa-echo.ts'). */
export function compiledPath(build: BenchBuild, source: string): string {
  return join(build.dir, source.replace(/\.ts$/, '.js'));
}
