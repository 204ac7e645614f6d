import { loadConfig, type PlatformConfig } from '../core/config.js';

/**
 * The CLI's one read of the environment: a copy, with CLI flags (named like the variables they
 * override) on top. The config loaders parse it; child processes inherit it.
 */
export function environmentVariables(overrides: Record<string, string | number | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [name, value] of Object.entries(overrides)) if (value !== undefined) env[name] = String(value);
  return env;
}

/** The process's configuration, with CLI flags taking precedence over environment variables; throws ConfigError. */
export function configFromEnv(overrides: Record<string, string | number | undefined> = {}): PlatformConfig {
  return loadConfig(environmentVariables(overrides));
}

/** Runs `stop` on the first SIGTERM/SIGINT; a second signal exits at once. */
export function onShutdownSignal(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`agentfleet: shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handle);
  process.on('SIGINT', handle);
}
