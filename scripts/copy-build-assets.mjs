// tsc emits only JavaScript; the Lua scripts the run store loads from beside its modules are copied
// into dist/ at the same relative paths.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
for (const entry of readdirSync(join(root, 'services'), { recursive: true })) {
  if (typeof entry === 'string' && entry.endsWith('.lua')) {
    cpSync(join(root, 'services', entry), join(root, 'dist', 'services', entry));
  }
}
