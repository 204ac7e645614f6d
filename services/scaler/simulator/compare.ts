import { POOL_NAMES, type EnvironmentConfig } from '../../../environments/index.js';
import { simulate, type Policy } from './engine.js';
import { summarise, type SimulationSummary } from './summary.js';
import { BUILT_IN_TRACES, concurrencyAt, loadTrace } from './trace.js';

/**
 * `agentfleet simulate --compare`: both policies on every built-in trace with the same seed, and which
 * one is better on surge-10k. Better means: meets the p95 queue-wait goal; of two that do, the cheaper
 * by more than `COST_TIE_SHARE`, else the shorter p95 wait; of two that do not, the shorter p95 wait.
 * Costs closer than that are a tie: the same policy's cost moves by about 1 % from one seed to another.
 */

export const P95_GOAL_SECONDS = 120;
export const COST_TIE_SHARE = 0.02;
export const POLICIES: readonly Policy[] = ['step', 'backlog'];
const DECIDING_TRACE = 'surge-10k';

export interface TraceComparison {
  trace: string;
  description: string;
  results: Record<Policy, SimulationSummary>;
}

export interface Comparison {
  environment: string;
  defaultPolicy: Policy;
  seed: number;
  traces: TraceComparison[];
  better: Policy;
}

export function betterPolicy(a: SimulationSummary, b: SimulationSummary): Policy {
  const aMeets = a.wait.p95 <= P95_GOAL_SECONDS;
  const bMeets = b.wait.p95 <= P95_GOAL_SECONDS;
  if (aMeets !== bMeets) return aMeets ? a.policy : b.policy;
  const costTie = Math.abs(a.costUsd - b.costUsd) <= COST_TIE_SHARE * Math.min(a.costUsd, b.costUsd);
  if (aMeets && !costTie) return a.costUsd < b.costUsd ? a.policy : b.policy;
  return a.wait.p95 <= b.wait.p95 ? a.policy : b.policy;
}

export function compare(config: EnvironmentConfig, seed: number, onProgress?: (done: number) => void): Comparison {
  const names = Object.keys(BUILT_IN_TRACES);
  const total = names.length * POLICIES.length;
  let finished = 0;
  const traces = names.map((name): TraceComparison => {
    const trace = loadTrace(name);
    const results = Object.fromEntries(
      POLICIES.map((policy) => {
        const result = simulate(config, trace, { seed, policy, onProgress: (done) => onProgress?.((finished + done) / total) });
        finished++;
        return [policy, summarise(config, trace, result)];
      }),
    ) as Record<Policy, SimulationSummary>;
    return { trace: name, description: trace.description, results };
  });
  const deciding = traces.find((t) => t.trace === DECIDING_TRACE) as TraceComparison;
  return { environment: config.name, defaultPolicy: config.scaling.policy, seed, traces, better: betterPolicy(deciding.results.step, deciding.results.backlog) };
}

const money = (usd: number) => `$${usd.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
const pct = (share: number) => `${(share * 100).toFixed(1)} %`;

function resultRow(trace: string, s: SimulationSummary): string {
  return `| ${trace} | ${s.policy} | ${money(s.costUsd)} | ${s.wait.p50} | ${s.wait.p95} | ${s.wait.p99} | ${s.maxQueue.toLocaleString('en-US')} | ${pct(s.utilisation)} | ${s.runs.handedBack} |`;
}

function peak(s: SimulationSummary): number {
  return Math.max(...s.timeline.map((sample) => POOL_NAMES.reduce((sum, pool) => sum + sample.pools[pool].inServiceSlots, 0)));
}

/** Seconds from the trace's start until the slots in service first reach `slots`, or undefined. */
function reachedAt(s: SimulationSummary, slots: number): number | undefined {
  return s.timeline.find((sample) => POOL_NAMES.reduce((sum, pool) => sum + sample.pools[pool].inServiceSlots, 0) >= slots)?.at;
}

export function comparisonMarkdown(comparison: Comparison, config: EnvironmentConfig): string {
  const deciding = comparison.traces.find((t) => t.trace === DECIDING_TRACE) as TraceComparison;
  const { step, backlog } = deciding.results;
  const better = deciding.results[comparison.better];
  const other = deciding.results[comparison.better === 'step' ? 'backlog' : 'step'];
  const ec2Slots = better.pools.filter((p) => p.name === 'spot' || p.name === 'on-demand').reduce((sum, pool) => sum + pool.maxSlots, 0);
  const maxSlots = ec2Slots + config.scaling.burst.maxTotalTasks * config.worker.fargateTask.slots;
  const surge = loadTrace(DECIDING_TRACE);
  const peakDemand = Math.max(...surge.concurrency.map(([, c]) => c));
  const rampPerMinute = Math.round((concurrencyAt(surge, 3600) - concurrencyAt(surge, 1800)) / 30);
  const rule = config.scaling.step.rules.at(-1);
  const lines = [
    `# Scaling policies compared: step against backlog on ${comparison.environment}`,
    '',
    `\`agentfleet simulate --compare --env ${comparison.environment} --seed ${comparison.seed}\`: each built-in trace replayed through the`,
    "scaler's own `decide` with each policy, the same seed, arrivals and machine boot times. Waits are per attempt,",
    'from entering the queue to starting (a run still queued at the end counts with the wait it has had).',
    '',
    '| trace | policy | cost | wait p50 s | wait p95 s | wait p99 s | longest queue | utilisation | handed back |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
    ...comparison.traces.flatMap((t) => POLICIES.map((policy) => resultRow(t.trace, t.results[policy]))),
    '',
    ...comparison.traces.map((t) => `- **${t.trace}**: ${t.description}.`),
    '',
    `## ${DECIDING_TRACE}: ${comparison.better} is the better policy`,
    '',
    `Goal: p95 queue wait ≤ ${P95_GOAL_SECONDS} s. ${comparison.better} ${better.wait.p95 <= P95_GOAL_SECONDS ? 'meets it' : 'misses it'} (p95 ${better.wait.p95} s, ${money(better.costUsd)});`,
    `${other.policy} ${other.wait.p95 <= P95_GOAL_SECONDS ? 'meets it' : 'misses it'} (p95 ${other.wait.p95} s, ${money(other.costUsd)}). ${verdictReason(better, other)}`,
    '',
    `- The load ramps by about ${rampPerMinute} concurrent runs a minute to ${peakDemand.toLocaleString('en-US')}; the pools hold at most ${maxSlots.toLocaleString('en-US')} slots (EC2 maxima ${ec2Slots.toLocaleString('en-US')} + ${config.scaling.burst.maxTotalTasks} burst tasks of ${config.worker.fargateTask.slots}).`,
    `- step reacts to visible messages only: its largest rule (visible > ${rule?.visibleAbove}) adds ${rule?.addInstances} instances once per ${config.scaling.scaleOutCooldownSeconds} s scale-out cooldown,`,
    `  so the queue has to be deep before it grows and it grows in fixed steps: its longest queue was ${step.maxQueue.toLocaleString('en-US')} runs,`,
    `  it first held ${peakDemand.toLocaleString('en-US')} slots ${formatReached(reachedAt(step, peakDemand))}, and peaked at ${peak(step).toLocaleString('en-US')} slots in service.`,
    `- backlog asks every tick for one slot per ${config.scaling.backlog.targetBacklogPerSlot} run(s) visible or in flight, so capacity follows the ramp:`,
    `  its longest queue was ${backlog.maxQueue.toLocaleString('en-US')} runs, it first held ${peakDemand.toLocaleString('en-US')} slots ${formatReached(reachedAt(backlog, peakDemand))}, and peaked at ${peak(backlog).toLocaleString('en-US')}.`,
    `- Cost over the trace: step ${money(step.costUsd)} at ${pct(step.utilisation)} utilisation, backlog ${money(backlog.costUsd)} at ${pct(backlog.utilisation)}.`,
    '',
    comparison.defaultPolicy === comparison.better
      ? `${comparison.environment}'s default policy (\`scaling.policy\`) is ${comparison.defaultPolicy}, the better one.`
      : `${comparison.environment}'s default policy (\`scaling.policy\`) is ${comparison.defaultPolicy}, not the better one: set it to ${comparison.better}.`,
    '',
  ];
  return lines.join('\n');
}

function verdictReason(better: SimulationSummary, other: SimulationSummary): string {
  const betterMeets = better.wait.p95 <= P95_GOAL_SECONDS;
  const otherMeets = other.wait.p95 <= P95_GOAL_SECONDS;
  if (betterMeets !== otherMeets) return `Only ${better.policy} meets the goal.`;
  if (!betterMeets) return `Neither meets the goal; ${better.policy} waits less.`;
  const gap = (Math.abs(better.costUsd - other.costUsd) / Math.min(better.costUsd, other.costUsd)) * 100;
  if (gap > COST_TIE_SHARE * 100) return `Both meet the goal; ${better.policy} costs ${gap.toFixed(1)} % less.`;
  return (
    `Both meet the goal and their costs differ by ${gap.toFixed(1)} %, within the ${COST_TIE_SHARE * 100} % a change of seed moves them, ` +
    `so the waits decide: p95 ${better.wait.p95} s against ${other.wait.p95} s, p99 ${better.wait.p99} s against ${other.wait.p99} s.`
  );
}

function formatReached(at: number | undefined): string {
  return at === undefined ? 'never' : `${Math.round(at / 60)} min into the trace`;
}
