import type { Command } from 'commander';
import { isEnvironmentName, loadEnvironment } from '../../../environments/index.js';
import { CliError } from '../cli-error.js';
import { positiveInteger } from '../flags.js';

/** `agentfleet capacity` (DESIGN §3): wiring only; the cost model is services/scaler/cost. */

interface CapacityFlags {
  env?: string;
  concurrency?: string;
  footprint?: string;
  json?: boolean;
}

/** `0.5,2` → 0.5 vCPU, 2 GiB per run. */
export function parseFootprint(text: string | undefined): { vcpu: number; memoryGiB: number } | undefined {
  if (text === undefined) return undefined;
  const parts = text.split(',').map((part) => part.trim());
  const [vcpu, memoryGiB] = parts.map(Number);
  if (parts.length !== 2 || !(vcpu! > 0) || !(memoryGiB! > 0) || !parts.every((part) => /^\d*\.?\d+$/.test(part))) {
    throw new CliError(`--footprint: expected VCPU,GIB such as 0.5,2 (both above 0), got "${text}"`);
  }
  return { vcpu: vcpu!, memoryGiB: memoryGiB! };
}

export function registerCapacityCommand(program: Command): void {
  program
    .command('capacity')
    .description("price the environment's capacity plans, and with --concurrency the cheapest mix for that many concurrent runs")
    .requiredOption('--env <env>', 'environment: dev, staging or prod')
    .option('--concurrency <n>', 'find the cheapest mix for this many concurrent runs within the split and limits')
    .option('--footprint <vcpu,gib>', "size slots for an agent of this footprint instead of the config's (e.g. 0.5,2)")
    .option('--json', 'print the report as JSON')
    .action(async (flags: CapacityFlags) => {
      if (!flags.env || !isEnvironmentName(flags.env)) throw new CliError(`--env: unknown environment "${flags.env}" (expected dev, staging or prod)`);
      const concurrency = flags.concurrency === undefined ? undefined : positiveInteger('--concurrency', flags.concurrency);
      const footprint = parseFootprint(flags.footprint);
      const { capacityReport } = await import('../../scaler/cost/capacity-report.js');
      const { FootprintTooLargeError } = await import('../../scaler/cost/footprint.js');
      let report;
      try {
        report = capacityReport(loadEnvironment(flags.env), { ...(concurrency === undefined ? {} : { concurrency }), ...(footprint ? { footprint } : {}) });
      } catch (error) {
        if (error instanceof FootprintTooLargeError) throw new CliError(`--footprint: ${error.message}`);
        throw error;
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const { formatCapacity } = await import('../../scaler/cost/capacity-table.js');
      process.stdout.write(formatCapacity(report));
    });
}
