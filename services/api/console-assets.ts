import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The web console's files, read once when the app is built: its own (services/api/ui/, copied into
 * dist/ by scripts/copy-build-assets.mjs) and uPlot's from the installed package, so the console works
 * offline and a request can name only a file listed here.
 */

export interface ConsoleAsset {
  type: string;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

const UI_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

/** URL path under /ui/ → file. `index.html` is served at /ui itself. */
export function loadConsoleAssets(): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  for (const entry of readdirSync(UI_DIR, { recursive: true })) {
    const name = String(entry).split('\\').join('/');
    const type = TYPES[extname(name)];
    if (type) assets.set(name, { type, body: readFileSync(join(UI_DIR, name)) });
  }
  const uplotDir = join(createRequire(import.meta.url).resolve('uplot'), '..');
  assets.set('vendor/uPlot.iife.min.js', { type: TYPES['.js']!, body: readFileSync(join(uplotDir, 'uPlot.iife.min.js')) });
  assets.set('vendor/uPlot.min.css', { type: TYPES['.css']!, body: readFileSync(join(uplotDir, 'uPlot.min.css')) });
  return assets;
}
