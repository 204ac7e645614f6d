import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { resultFromError, resultFromReport, type ChaosResult, type ResultHeader } from './harness/result.js';
import type { Scenario } from './harness/scenario.js';
import { renderSummary } from './harness/table.js';
import { SCENARIOS } from './scenarios/index.js';

/**
 * `make chaos`: runs the reliability scenarios one after another, each against its own
 * `agentfleet dev` on its own Redis; writes chaos/results/<scenario>.json and
 * chaos/results/summary.md and prints the table. Exits non-zero when a scenario fails.
 */

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const resultsDir = join(root, 'chaos', 'results');
const logDir = join(resultsDir, 'logs');

const program = new Command('chaos')
  .description('run the agentfleet reliability scenarios and print a markdown table')
  .argument('[names...]', `scenarios to run (default: all): ${SCENARIOS.map((s) => s.name).join(', ')}`)
  .action(async (names: string[]) => {
    const selected = select(names);
    requireRedisServer();
    mkdirSync(logDir, { recursive: true });
    const redis = redisVersion();
    const started = performance.now();
    const results: ChaosResult[] = [];
    for (const scenario of selected) results.push(await runOne(scenario, redis));
    const summary = renderSummary(results, { generatedAt: new Date().toISOString(), totalSeconds: (performance.now() - started) / 1000 });
    writeFileSync(join(resultsDir, 'summary.md'), summary);
    process.stdout.write(`\n${summary}`);
    process.exitCode = results.every((result) => result.passed) ? 0 : 1;
  });

function select(names: string[]): readonly Scenario[] {
  if (names.length === 0) return SCENARIOS;
  const unknown = names.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario ${unknown.join(', ')}; choose from ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return SCENARIOS.filter((s) => names.includes(s.name));
}

async function runOne(scenario: Scenario, redis: string | undefined): Promise<ChaosResult> {
  const progress = (message: string) => process.stderr.write(`[${scenario.name}] ${message}\n`);
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const header = (): ResultHeader => ({
    scenario: scenario.name,
    title: scenario.title,
    startedAt,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    machine: { cpus: cpus().length, loadAverage: loadavg().map((l) => l.toFixed(2)).join(' '), node: process.version, ...(redis ? { redis } : {}) },
  });
  progress(`starting: ${scenario.title}`);
  let result: ChaosResult;
  try {
    const report = await scenario.run({ root, logDir, progress });
    result = resultFromReport(header(), report);
  } catch (error) {
    progress(`could not run to its end: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    result = resultFromError(header(), error);
  }
  const file = join(resultsDir, `${scenario.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  progress(`${result.passed ? 'passed' : 'FAILED'} in ${Math.round(result.durationSeconds)} s → ${relative(root, file)}`);
  return result;
}

function requireRedisServer(): void {
  try {
    execFileSync('sh', ['-c', 'command -v redis-server'], { stdio: 'ignore' });
  } catch {
    throw new Error('make chaos needs redis-server on the PATH (apt-get install redis-server)');
  }
}

function redisVersion(): string | undefined {
  try {
    return /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1];
  } catch {
    return undefined;
  }
}

// The stacks run in process groups of their own, out of reach of the terminal's Ctrl-C: exiting
// through process.exit runs the 'exit' handlers that take them down.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
