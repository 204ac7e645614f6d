import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { isEnvironmentName, loadEnvironment, type EnvironmentConfig } from '../../../environments/index.js';
import { CliError } from '../cli-error.js';

/**
 * `agentfleet simulate` (DESIGN §3): replays a trace through the scaler's policy in a deterministic
 * simulation (services/scaler/simulator), or with `--compare` both policies on every built-in trace.
 * Progress goes to stderr on a terminal; results to stdout or the named files.
 */

interface SimulateFlags {
  env?: string;
  trace?: string;
  policy?: string;
  seed: string;
  json?: boolean;
  chart?: string;
  compare?: boolean;
  out?: string;
}

function environment(name: string | undefined): EnvironmentConfig {
  const chosen = name ?? 'prod';
  if (!isEnvironmentName(chosen)) throw new CliError(`--env: unknown environment "${chosen}" (expected dev, staging or prod)`);
  return loadEnvironment(chosen);
}

function seedOf(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) > 0xffffffff) throw new CliError(`--seed: expected a whole number from 0 to 4294967295, got "${text}"`);
  return Number(text);
}

function policyOf(text: string | undefined): 'step' | 'backlog' | undefined {
  if (text === undefined || text === 'step' || text === 'backlog') return text;
  throw new CliError(`--policy: expected step or backlog, got "${text}"`);
}

function chartKind(file: string): 'svg' | 'png' {
  const ext = extname(file).toLowerCase();
  if (ext === '.svg' || ext === '.png') return ext === '.svg' ? 'svg' : 'png';
  throw new CliError(`--chart: expected a file name ending .svg or .png, got "${file}"`);
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (pipes, CI, tests). */
async function progressBar(label: string): Promise<{ update(done: number): void; stop(): void }> {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const { SingleBar, Presets } = await import('cli-progress');
  const bar = new SingleBar({ format: `${label} [{bar}] {percentage}%`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
  bar.start(100, 0);
  return { update: (done) => bar.update(Math.floor(done * 100)), stop: () => bar.stop() };
}

export function registerSimulateCommand(program: Command): void {
  program
    .command('simulate')
    .description("replay an arrival trace through the scaler's policy in a deterministic simulation: cost, queue waits, utilisation, capacity per pool")
    .option('--env <env>', 'environment whose config is simulated (default prod)')
    .option('--trace <name|file>', 'built-in trace (weekday, surge-10k, spike) or a JSON trace file')
    .option('--policy <policy>', "step or backlog (default: the environment's scaling.policy)")
    .option('--seed <n>', 'seed of the random draws (arrivals, run durations, boot times, Spot notices)', '1')
    .option('--json', 'print the result as JSON')
    .option('--chart <file>', 'write a chart: FILE.svg, or FILE.png (the SVG is written beside it)')
    .option('--compare', 'compare step and backlog on every built-in trace and write a markdown report')
    .option('--out <file>', 'with --compare: write the report here instead of stdout')
    .action(async (flags: SimulateFlags) => {
      const env = environment(flags.env);
      const seed = seedOf(flags.seed);
      if (flags.compare) {
        for (const flag of ['trace', 'policy', 'chart', 'json'] as const) if (flags[flag] !== undefined) throw new CliError(`--${flag}: not used with --compare`);
        const { compare, comparisonMarkdown } = await import('../../scaler/simulator/compare.js');
        const bar = await progressBar('simulating 3 traces × 2 policies');
        const comparison = compare(env, seed, bar.update);
        bar.stop();
        const markdown = comparisonMarkdown(comparison, env);
        if (flags.out) {
          writeFileSync(flags.out, markdown);
          process.stderr.write(`wrote ${flags.out}\n`);
        } else process.stdout.write(markdown);
        return;
      }
      if (flags.out !== undefined) throw new CliError('--out: only with --compare');
      if (flags.trace === undefined) throw new CliError('--trace: required (weekday, surge-10k, spike or a JSON file), or use --compare');
      const policy = policyOf(flags.policy);
      const kind = flags.chart === undefined ? undefined : chartKind(flags.chart);
      const { loadTrace, TraceError } = await import('../../scaler/simulator/trace.js');
      const { simulate } = await import('../../scaler/simulator/engine.js');
      const { summarise } = await import('../../scaler/simulator/summary.js');
      let trace;
      try {
        trace = loadTrace(flags.trace);
      } catch (error) {
        throw error instanceof TraceError ? new CliError(`--trace: ${error.message}`) : error;
      }
      const bar = await progressBar(`simulating ${trace.name}`);
      const result = simulate(env, trace, { seed, onProgress: bar.update, ...(policy ? { policy } : {}) });
      bar.stop();
      const summary = summarise(env, trace, result);
      if (flags.chart && kind) {
        const { chartSpec } = await import('../../scaler/simulator/chart-spec.js');
        const { renderSvg, svgToPng } = await import('../../scaler/simulator/chart-render.js');
        const svg = await renderSvg(chartSpec(summary));
        const svgFile = kind === 'svg' ? flags.chart : `${flags.chart.slice(0, -extname(flags.chart).length)}.svg`;
        writeFileSync(svgFile, svg);
        if (kind === 'png') writeFileSync(flags.chart, await svgToPng(svg));
        process.stderr.write(`wrote ${kind === 'png' ? `${flags.chart} and ${svgFile}` : svgFile}\n`);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(summary)}\n`);
        return;
      }
      const { formatSummary } = await import('../../scaler/simulator/format.js');
      process.stdout.write(formatSummary(summary));
    });
}
