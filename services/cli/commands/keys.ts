import type { Command } from 'commander';
import { configFromEnv } from '../process-config.js';
import { CliError } from '../cli-error.js';

/**
 * `agentfleet keys create --tenant T`: a new API key for a tenant, printed once. Only its SHA-256 is
 * stored (in the Redis at REDIS_URL, where the API verifies keys), so a lost key is replaced, not read back.
 */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage API keys');
  keys
    .command('create')
    .description('create an API key for a tenant; prints it once (only its hash is stored)')
    .requiredOption('--tenant <tenant>', 'the tenant the key acts for')
    .option('--json', 'print {tenant, key} as JSON')
    .action(async (flags: { tenant: string; json?: boolean }) => {
      const config = configFromEnv();
      const { KeyStore, InvalidTenantError } = await import('../../core/auth/key-store.js');
      const { createRedis, waitUntilReady } = await import('../../core/redis.js');
      const { createLogger } = await import('../../core/logger.js');
      const redis = createRedis(config.REDIS_URL, { name: 'keys-cli', failFast: true, logger: createLogger('cli', 'silent') });
      try {
        if (!(await waitUntilReady(redis, 10_000))) throw new CliError(`cannot reach Redis at ${config.REDIS_URL}`, 1);
        const created = await new KeyStore(redis).create(flags.tenant).catch((error: unknown) => {
          if (error instanceof InvalidTenantError) throw new CliError(`--tenant: ${error.message}`);
          throw error;
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(created)}\n`);
        else process.stdout.write(`${created.key}\n`);
        if (!flags.json && process.stderr.isTTY) process.stderr.write(`key for tenant "${created.tenant}"; it is shown only this once\n`);
      } finally {
        redis.disconnect();
      }
    });
}
