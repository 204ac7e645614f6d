// tsc emits only JavaScript from TypeScript; the Lua scripts the run store loads from beside its
// modules, and the web console's files (services/api/ui/, plain JS, HTML and CSS), are copied into
// dist/ at the same relative paths.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const entry of readdirSync(join(root, 'services'), { recursive: true })) {
  if (typeof entry === 'string' && (entry.endsWith('.lua') || /^api[\\/]ui[\\/].+\.(html|css|js)$/.test(entry))) {
    cpSync(join(root, 'services', entry), join(root, 'dist', 'services', entry));
  }
}
