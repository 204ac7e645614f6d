import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

/**
 * The rules of the house that keep the module graph a tree pointing down (STYLE.md, issue 10):
 * services never lean on the CLI, infrastructure modules compile nothing outside modules/, only
 * config loaders and entry points read the environment, and no import cycle anywhere.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SOURCE_DIRS = ['services', 'environments', 'modules'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

const FILES = SOURCE_DIRS.flatMap(sourceFiles);

/** `from '...'`, `import '...'` and `import('...')` specifiers of a file. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/(?:\bfrom\s+|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)].map((match) => match[1]!);
}

/** Repository-relative targets of a file's relative imports. */
function localImports(file: string): string[] {
  return specifiers(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(ROOT, resolve(ROOT, dirname(file), spec)));
}

test('no file under services/ imports from services/cli/ (the CLI wires services, never the reverse)', (t) => {
  const offenders = FILES.filter((file) => file.startsWith('services/') && !file.startsWith('services/cli/')).flatMap((file) =>
    localImports(file)
      .filter((target) => target.startsWith('services/cli/'))
      .map((target) => `${file} → ${target}`),
  );
  t.deepEqual(offenders, []);
});

test('nothing under modules/ imports from outside modules/ (infrastructure compiles no service code)', (t) => {
  const offenders = FILES.filter((file) => file.startsWith('modules/')).flatMap((file) =>
    localImports(file)
      .filter((target) => !target.startsWith('modules/'))
      .map((target) => `${file} → ${target}`),
  );
  t.deepEqual(offenders, []);
});

/**
 * The only files that may read `process.env`; everything else gets typed values passed down.
 * Adding a file here needs a reason as good as these.
 */
const READS_PROCESS_ENV: Record<string, string> = {
  'services/core/config.ts': 'the platform config loader: parses the environment once with zod',
  'services/cli/process-config.ts': 'the CLI entry point\'s one reader: hands the environment (with flags on top) to the config loaders and to child processes',
  'services/worker/main.ts': 'the worker entry point: passes a fixed allow-list of variables (PATH, HOME, ...) on to agent processes',
  'environments/validate.ts': 'entry point of `terraform validate` over synthesized stacks: terraform needs the caller\'s environment',
};

test('only config loaders and entry points read process.env', (t) => {
  const readers = FILES.filter((file) => /\bprocess\.env\b/.test(readFileSync(join(ROOT, file), 'utf8').replace(/^\s*(?:\*|\/\/).*$/gm, '')));
  t.deepEqual(readers.sort(), Object.keys(READS_PROCESS_ENV).sort());
});

test('the module graph has no cycle (madge)', async (t) => {
  const madge = join(ROOT, 'node_modules/.bin/madge');
  const args = ['--circular', '--json', '--extensions', 'ts', '--ts-config', 'tsconfig.json', ...SOURCE_DIRS, 'bench', 'chaos'];
  // madge exits 1 when it finds a cycle; the JSON on stdout says which.
  const { stdout } = await promisify(execFile)(madge, args, { cwd: ROOT }).catch((error: { stdout?: string }) => {
    if (!error.stdout) throw error;
    return { stdout: error.stdout };
  });
  const cycles = JSON.parse(stdout) as string[][];
  t.deepEqual(cycles, [], cycles.map((cycle) => cycle.join(' → ')).join('\n'));
});
