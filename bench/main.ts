import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { BENCHMARKS } from './benchmarks/index.js';
import { buildForBench, type BenchBuild } from './harness/build.js';
import type { Benchmark, BenchContext, Timing } from './harness/benchmark.js';
import { checkGoals } from './harness/goals.js';
import { describeMachine, type MachineInfo } from './harness/machine.js';
import { pinProcess, planCpus, type CpuPlan } from './harness/pinning.js';
import { figuresOf, resultFromError, resultFromMeasurement, type BenchResult, type ResultHeader } from './harness/result.js';
import { acquireRunLock } from './harness/run-lock.js';
import { renderSummary } from './harness/table.js';

/**
 * `make bench`: runs the benchmarks of issue 5 one after another, writes bench/results/<name>.json
 * for each and bench/results/summary.md, and prints the summary table. A missed goal is a finding,
 * not a failure; the exit status is non-zero only when a benchmark could not run.
 */

const FULL: Timing = { warmupSeconds: 2, trialSeconds: 5, trials: 3 };
const QUICK: Timing = { warmupSeconds: 1, trialSeconds: 2, trials: 1 };

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'bench', 'results');
const logDir = join(resultsDir, 'logs');

const program = new Command('bench')
  .description('run the agentfleet benchmarks and print a markdown table')
  .argument('[names...]', `benchmarks to run (default: all): ${BENCHMARKS.map((b) => b.name).join(', ')}`)
  .option('--quick', 'one short trial each: a smoke run of the harness, not figures to quote')
  .option('--burst', 'fleet-10k: queue every run before the workers start (a surge on an idle fleet)')
  .action(async (names: string[], options: { quick?: boolean; burst?: boolean }) => {
    const selected = select(names);
    requireTools(selected);
    const release = await acquireRunLock(join(tmpdir(), 'agentfleet-bench.lock'), (owner) =>
      process.stderr.write(`[bench] another make bench is running (pid ${owner}); waiting for it to finish\n`),
    );
    const plan = planCpus();
    if (plan.pinned && plan.load !== undefined) pinProcess(process.pid, plan.load);
    mkdirSync(resultsDir, { recursive: true });
    mkdirSync(logDir, { recursive: true });
    const redis = redisVersion();
    const timing = options.quick ? QUICK : FULL;
    const started = performance.now();
    process.stderr.write('[bench] compiling the services and bench processes (bench/tsconfig.build.json)\n');
    const build = await buildForBench(root);
    process.stderr.write(`[bench] compiled in ${Math.round(build.seconds)} s\n`);

    const results: BenchResult[] = [];
    for (const benchmark of selected) {
      // Described per benchmark: the load average shows whether the machine was busy at that moment.
      results.push(await runOne(benchmark, { plan, machine: describeMachine(redis), timing, quick: options.quick === true, burst: options.burst === true, build }));
    }
    const summary = renderSummary(results, {
      generatedAt: new Date().toISOString(),
      machine: results[0]?.machine ?? describeMachine(redis),
      pinning: results.find((result) => result.pinning)?.pinning,
      totalSeconds: (performance.now() - started) / 1000,
    });
    writeFileSync(join(resultsDir, 'summary.md'), summary);
    process.stdout.write(`\n${summary}`);
    release();
    process.exitCode = results.some((result) => result.error !== undefined) ? 1 : 0;
  });

function select(names: string[]): readonly Benchmark[] {
  if (names.length === 0) return BENCHMARKS;
  const unknown = names.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    throw new Error(`unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  }
  return BENCHMARKS.filter((b) => names.includes(b.name));
}

interface RunSettings {
  plan: CpuPlan;
  machine: MachineInfo;
  timing: Timing;
  quick: boolean;
  burst: boolean;
  build: BenchBuild;
}

async function runOne(benchmark: Benchmark, { plan, machine, timing, quick, burst, build }: RunSettings): Promise<BenchResult> {
  const progress = (message: string) => process.stderr.write(`[${benchmark.name}] ${message}\n`);
  for (const stale of [`${benchmark.name}.json`, `${benchmark.name}.profile.md`, `${benchmark.name}.cpuprofile`]) {
    rmSync(join(resultsDir, stale), { force: true });
  }
  const context: BenchContext = {
    root,
    build,
    plan,
    resultsDir,
    logDir,
    timing,
    quick,
    burst,
    missesGoal: (measurement) => !checkGoals(benchmark.goals, figuresOf(measurement)).met,
    progress,
  };
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const header = (): ResultHeader => ({
    name: benchmark.name,
    title: benchmark.title,
    unit: benchmark.unit,
    goals: benchmark.goals,
    machine,
    startedAt,
    durationSeconds: (performance.now() - started) / 1000,
  });
  progress(`starting: ${benchmark.title}`);
  let result: BenchResult;
  try {
    const outcome = await benchmark.run(context);
    result = { ...resultFromMeasurement(header(), outcome.measurement), ...(outcome.profile ? { profile: outcome.profile } : {}) };
  } catch (error) {
    progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    result = resultFromError(header(), error);
  }
  const file = join(resultsDir, `${benchmark.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  progress(`${result.error ? 'not run' : result.met ? 'goal met' : 'goal missed'} in ${Math.round(result.durationSeconds)} s → ${relative(root, file)}`);
  return result;
}

/** What each benchmark starts besides node, with how to get it: named up front instead of failing mid-run. */
const TOOLS: Record<string, { benchmarks: string[]; install: string }> = {
  'redis-server': { benchmarks: ['api-ingest', 'dispatch-latency', 'worker-throughput', 'concurrency', 'fleet-10k'], install: 'apt-get install redis-server' },
  terraform: { benchmarks: ['synth-validate'], install: 'terraform >= 1.11 from HashiCorp' },
};

function requireTools(selected: readonly Benchmark[]): void {
  const missing = Object.entries(TOOLS).filter(([tool, { benchmarks }]) => {
    return selected.some((b) => benchmarks.includes(b.name)) && !onPath(tool);
  });
  if (missing.length > 0) {
    throw new Error(`make bench needs ${missing.map(([tool, { install }]) => `${tool} (${install})`).join(', ')}`);
  }
}

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function redisVersion(): string | undefined {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
}
