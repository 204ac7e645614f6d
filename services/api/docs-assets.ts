import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * GET /docs: a page that renders /openapi.json with Redoc's standalone bundle, both served by the API
 * itself (no CDN, works offline). Redoc is a devDependency; the build copies its bundle beside this
 * module (scripts/copy-build-assets.mjs), so the image has it without Redoc's dependency tree.
 */

export interface DocsAssets {
  page: Buffer;
  redocBundle: Buffer;
}

const REDOC_BUNDLE = 'redoc/bundles/redoc.standalone.js';
const BUILT_COPY = fileURLToPath(new URL('./docs/redoc.standalone.js', import.meta.url));

export function loadDocsAssets(): DocsAssets {
  const bundlePath = existsSync(BUILT_COPY) ? BUILT_COPY : createRequire(import.meta.url).resolve(REDOC_BUNDLE);
  return {
    page: readFileSync(new URL('./docs/index.html', import.meta.url)),
    redocBundle: readFileSync(bundlePath),
  };
}
