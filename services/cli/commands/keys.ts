import type { Command } from 'commander';
import type { KeyStore } from '../../core/auth/key-store.js';
import type { Logger } from '../../core/logger.js';
import { CliError } from '../cli-error.js';
import { printJson } from '../output.js';
import { configFromEnv } from '../process-config.js';

/**
 * `agentfleet keys create|list|revoke` against the Redis at REDIS_URL, where the API verifies keys.
 * A key is printed once by `create`; only its SHA-256 is stored, so a lost key is replaced, not read
 * back. Keys are listed and revoked by id (`key_…`); `list` never shows a key or its hash, and logs
 * (on stderr, LOG_LEVEL) never carry a key (logger.ts redacts them).
 */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key for a tenant; prints it once (only its hash is stored)')
    .requiredOption('--tenant <tenant>', 'the tenant the key acts for')
    .option('--json', 'print {id, tenant, key} as JSON')
    .action(async (flags: { tenant: string; json?: boolean }) => {
      await withKeyStore(async (store, logger) => {
        const { InvalidTenantError } = await import('../../core/auth/key-store.js');
        const created = await store.create(flags.tenant).catch((error: unknown) => {
          if (error instanceof InvalidTenantError) throw new CliError(`--tenant: ${error.message}`);
          throw error;
        });
        logger.debug({ keyId: created.id, tenant: created.tenant }, 'API key created');
        if (flags.json) process.stdout.write(`${JSON.stringify(created)}\n`);
        else process.stdout.write(`${created.key}\n`);
        if (!flags.json && process.stderr.isTTY) process.stderr.write(`key ${created.id} for tenant "${created.tenant}"; it is shown only this once\n`);
      });
    });

  keys
    .command('list')
    .description('list API keys: id, tenant, created, last used (never the key itself)')
    .option('--tenant <tenant>', 'only this tenant\'s keys')
    .option('--json', 'print {keys: [{id, tenant, createdAt, lastUsedAt}]}')
    .action(async (flags: { tenant?: string; json?: boolean }) => {
      await withKeyStore(async (store) => {
        const listed = await store.list(flags.tenant);
        if (flags.json) {
          printJson({ keys: listed });
          return;
        }
        const rows = [['ID', 'TENANT', 'CREATED', 'LAST USED'], ...listed.map((key) => [key.id, key.tenant, key.createdAt, key.lastUsedAt ?? 'never'])];
        const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
        for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`);
      });
    });

  keys
    .command('revoke')
    .description('revoke an API key by id; every API process refuses it at once')
    .argument('<key-id>', 'the id `keys list` shows (key_...)')
    .option('--json', 'print {id, tenant, revoked: true}')
    .action(async (id: string, flags: { json?: boolean }) => {
      await withKeyStore(async (store, logger) => {
        const revoked = await store.revoke(id);
        if (revoked === undefined) throw new CliError(`KEY_ID: no API key has the id "${id.slice(0, 80)}" (see agentfleet keys list)`, 1);
        logger.debug({ keyId: revoked.id, tenant: revoked.tenant }, 'API key revoked');
        if (flags.json) printJson({ id: revoked.id, tenant: revoked.tenant, revoked: true });
        else process.stdout.write(`revoked ${revoked.id} (tenant "${revoked.tenant}")\n`);
      });
    });
}

/** A KeyStore on REDIS_URL for one command, with a logger on stderr so stdout stays the command's output. */
async function withKeyStore(use: (store: KeyStore, logger: Logger) => Promise<void>): Promise<void> {
  const config = configFromEnv();
  const { KeyStore } = await import('../../core/auth/key-store.js');
  const { createRedis, waitUntilReady } = await import('../../core/redis.js');
  const { createLogger } = await import('../../core/logger.js');
  const logger = createLogger('cli', config.LOG_LEVEL, 2);
  const redis = createRedis(config.REDIS_URL, { name: 'keys-cli', failFast: true, logger: createLogger('cli', 'silent') });
  try {
    if (!(await waitUntilReady(redis, 10_000))) throw new CliError(`cannot reach Redis at ${config.REDIS_URL}`, 1);
    await use(new KeyStore(redis), logger);
  } finally {
    redis.disconnect();
  }
}
