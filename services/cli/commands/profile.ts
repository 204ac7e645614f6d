import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { pino } from 'pino';
import { loadAgentCatalog } from '../../core/agents/catalog.js';
import { ProfileError } from '../../worker/profile/errors.js';
import type { ProfileReport } from '../../worker/profile/summary.js';
import { agentfleetBin } from '../../core/service-process.js';
import { CliError } from '../cli-error.js';
import { agentsFileOrExamples } from '../example-agents.js';
import { positiveInteger } from '../flags.js';
import { configFromEnv, environmentVariables } from '../process-config.js';

/**
 * `agentfleet profile --agent NAME --input JSON [--concurrency N] [--seconds S] [--json]` (DESIGN §3):
 * an agent's footprint, measured on this machine (services/worker/profile/). The agents come from
 * AGENTS_FILE, or the example agents when it is unset (as in `agentfleet dev`).
 */

function positiveSeconds(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new CliError(`${flag}: expected a number of seconds above 0, got "${text}"`);
  return value;
}

function jsonInput(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`--input: not JSON (${(error as Error).message})`);
  }
}

interface Flags {
  agent: string;
  input: string;
  concurrency: string;
  seconds: string;
  warmup: string;
  json?: boolean;
}

function printReport(report: ProfileReport): void {
  const { memory, cpu, runs, suggested } = report;
  const lines = [
    `agent ${report.agent} (${report.type}), ${report.concurrency} at a time for ${report.seconds} s`,
    `  runs        ${runs.attemptsInWindow} attempts in the window (${runs.succeeded} succeeded, ${runs.failed} failed, ${runs.stillRunning} still running); ${report.meanRunning} running on average`,
    `  CPU         ${cpu.seconds} CPU-s over ${report.runSeconds} run-s = ${cpu.perRunSecond} vCPU per running run (${cpu.msPerAttempt} ms per attempt)`,
    `  memory      worker ${memory.workerIdleMiB} MiB idle, ${memory.workerPeakMiB} MiB peak; child processes ${memory.childProcessesPeakMiB} MiB peak`,
    `              ${memory.totalPeakMiB} MiB in all = ${memory.perRunMiB} MiB per slot (${memory.marginalPerRunMiB} MiB per extra run)`,
    `  event loop  lag p50 ${report.eventLoopLagMs.p50} ms, p99 ${report.eventLoopLagMs.p99} ms (machine: ${report.machine.cores} cores, load average ${report.machine.loadAverage})`,
    `  footprint   {"vcpu": ${suggested.vcpu}, "memoryGiB": ${suggested.memoryGiB}}  (measured + ${suggested.rule.headroom * 100} %, rounded up to ${suggested.rule.vcpuStep} vCPU / ${suggested.rule.memoryStepGiB * 1024} MiB)`,
    ...report.warnings.map((warning) => `  warning     ${warning}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerProfileCommand(program: Command): void {
  program
    .command('profile')
    .description("measure an agent's footprint: run it N at a time in a real worker on this machine and report CPU per run, RSS per run and event-loop lag")
    .requiredOption('--agent <name>', 'agent to profile, as declared in AGENTS_FILE (default: the example agents) or simulate')
    .requiredOption('--input <json>', 'input of every run, as JSON')
    .option('--concurrency <n>', 'runs at a time (the worker\'s slots)', '20')
    .option('--seconds <s>', 'length of the measurement', '10')
    .option('--warmup <s>', 'seconds of load before the measurement starts', '2')
    .option('--json', 'print the report as JSON')
    .action(async (flags: Flags) => {
      const concurrency = positiveInteger('--concurrency', flags.concurrency);
      const seconds = positiveSeconds('--seconds', flags.seconds);
      const warmupSeconds = positiveSeconds('--warmup', flags.warmup);
      const input = jsonInput(flags.input);
      const platform = configFromEnv();
      const agentsFile = agentsFileOrExamples(platform.AGENTS_FILE);
      const catalog = loadAgentCatalog(agentsFile);
      const definition = catalog.get(flags.agent);
      if (!definition) throw new CliError(`--agent: unknown agent "${flags.agent}" (known: ${[...catalog.keys()].join(', ')})`);

      const { profileAgent } = await import('../../worker/profile/profile-agent.js');
      const bar = process.stderr.isTTY && !flags.json
        ? new cliProgress.SingleBar({ format: '{phase} [{bar}] {value}/{total} s | {running} running', stream: process.stderr }, cliProgress.Presets.shades_classic)
        : undefined;
      let phase = '';
      try {
        const report = await profileAgent(
          {
            agent: { name: flags.agent, definition },
            input,
            concurrency,
            seconds,
            warmupSeconds,
            agentsFile,
            workerCommand: [process.execPath, agentfleetBin(), 'worker'],
            baseEnv: environmentVariables(),
            logger: pino({ level: 'warn', base: { service: 'profile' } }, pino.destination(2)),
          },
          (progress) => {
            if (!bar) return;
            const values = { phase: progress.phase.padEnd(10), running: progress.running };
            if (progress.phase !== phase) {
              if (phase) bar.stop();
              phase = progress.phase;
              bar.start(progress.totalSeconds, 0, values);
            }
            bar.update(Math.min(progress.totalSeconds, Math.round(progress.elapsedSeconds * 10) / 10), values);
          },
        );
        bar?.stop();
        if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else printReport(report);
      } catch (error) {
        bar?.stop();
        if (error instanceof ProfileError) throw new CliError(error.message, 1);
        throw error;
      }
    });
}
