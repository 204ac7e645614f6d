import { Command, CommanderError } from 'commander';
import { registerServiceCommands } from './commands/services.js';
import { registerDevCommand } from './commands/dev.js';
import { registerRunCommands } from './commands/runs.js';
import { registerScalerCommands } from './commands/scaler.js';
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

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (error instanceof CliError) {
    process.stderr.write(`agentfleet: ${error.message}\n`);
    process.exit(error.exitCode);
  }
  throw error;
}
