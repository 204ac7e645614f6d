#!/usr/bin/env node
// In a checkout the TypeScript sources are run through tsx, so a fresh clone works without a build;
// the container image ships only the compiled dist/ (see Dockerfile), which is used when no sources exist.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'services', 'cli', 'main.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(root, 'dist', 'services', 'cli', 'main.js')).href);
}
