// tsc emits only JavaScript from TypeScript; the Lua scripts the run store loads from beside its
// modules, and the web console's and API docs' files (services/api/ui/, services/api/docs/: plain JS,
// HTML and CSS), are copied into dist/ at the same relative paths. Redoc's standalone bundle (a
// devDependency) goes beside the docs page, so the pruned image serves /docs without Redoc installed.
import { cpSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const entry of readdirSync(join(root, 'services'), { recursive: true })) {
  if (typeof entry === 'string' && (entry.endsWith('.lua') || /^api[\\/](ui|docs)[\\/].+\.(html|css|js)$/.test(entry))) {
    cpSync(join(root, 'services', entry), join(root, 'dist', 'services', entry));
  }
}
cpSync(createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'), join(root, 'dist', 'services', 'api', 'docs', 'redoc.standalone.js'));
