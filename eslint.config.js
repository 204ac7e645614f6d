// ESLint (flat config): the recommended JavaScript and typescript-eslint rules over every source file.
// `make lint` runs it; `make test` runs `make lint` first.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'dist/', 'cdktf.out/', 'bench/.build/', '.dev/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  // Agents, fixtures and build scripts are plain Node.js modules.
  { files: ['**/*.{js,mjs,cjs}'], languageOptions: { globals: globals.node } },
  // The console's scripts run in the browser, not in Node.js.
  { files: ['services/api/ui/**/*.js'], languageOptions: { globals: globals.browser } },
  {
    rules: {
      // A leading underscore marks a binding kept on purpose: a property left out of a rest copy, a
      // tuple slot, an exhaustiveness check.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  // Tests walk parsed YAML, JSON and HTTP bodies whose shape is what they assert.
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
