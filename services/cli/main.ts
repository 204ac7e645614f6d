import { Command, CommanderError } from 'commander';
import { EnvironmentConfigError, UnknownEnvironmentError } from '../../environments/index.js';
import { AgentsFileError } from '../core/agents/catalog.js';
import { ConfigError } from '../core/config.js';
import { ScalerConfigError } from '../scaler/config.js';
import { registerServiceCommands } from './commands/services.js';
import { registerDevCommand } from './commands/dev.js';
import { registerRunCommands } from './commands/runs.js';
import { registerScalerCommands } from './commands/scaler.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerSimulateCommand } from './commands/simulate.js';
import { registerCapacityCommand } from './commands/capacity.js';
import { registerProfileCommand } from './commands/profile.js';
import { CliError } from './cli-error.js';

/**
 * The `agentfleet` command (DESIGN §3). Each command file registers itself; heavy modules (Koa,
 * BullMQ, cdktf) are imported inside actions so `agentfleet submit` starts fast.
 */
const program = new Command('agentfleet')
  .description('Run agent workloads on a queue-backed fleet of Spot, On-Demand and Fargate workers.')
  .showHelpAfterError()
  .exitOverride();

registerServiceCommands(program);
registerDevCommand(program);
registerRunCommands(program);
registerScalerCommands(program);
registerKeyCommands(program);
registerSimulateCommand(program);
registerCapacityCommand(program);
registerProfileCommand(program);

/**
 * Start-up errors the operator fixes by correcting their input (an environment variable, AGENTS_FILE,
 * an environment's config): one line and exit 1, because a stack trace would only point into our code.
 * Any other error is a bug and keeps its stack.
 */
const STARTUP_ERRORS = [ConfigError, AgentsFileError, EnvironmentConfigError, UnknownEnvironmentError, ScalerConfigError];

/** `invalid configuration:\n  PORT: ...\n  WORKER_SLOTS: ...` → `invalid configuration: PORT: ...; WORKER_SLOTS: ...` */
function oneLine(message: string): string {
  const [first = '', ...rest] = message.split('\n').map((line) => line.trim()).filter(Boolean);
  return rest.length === 0 ? first : `${first} ${rest.join('; ')}`;
}

function fail(message: string, exitCode: number): never {
  process.stderr.write(`agentfleet: ${oneLine(message)}\n`);
  process.exit(exitCode);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof CliError) fail(error.message, error.exitCode);
  if (STARTUP_ERRORS.some((type) => error instanceof type)) fail((error as Error).message, 1);
  throw error;
}
