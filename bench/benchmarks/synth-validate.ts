import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark, BenchContext } from '../harness/benchmark.js';
import { pinnedCommand } from '../harness/pinning.js';
import { summarizeProfileFile } from '../harness/profiling.js';
import { median, round } from '../harness/stats.js';

/**
 * Issue 5 §6. Synthesize every stack of the three environments (and their state bootstraps) and
 * `terraform validate` them, cold: what environments/validate.ts does, in a fresh output directory
 * (so `terraform init` starts from nothing, using the provider mirror through the repository's
 * TF_CLI_CONFIG_FILE where it exists) with tsx's compile cache off (as on a fresh clone). One
 * command, so it may use every core: it is not pinned.
 */

interface SynthTrial {
  seconds: number;
  synthSeconds?: number;
  validateSeconds?: number;
}

export const synthValidate: Benchmark = {
  name: 'synth-validate',
  title: 'Synth + validate, 3 environments, cold',
  unit: 's',
  goals: [{ figure: 'value', op: '<=', target: 15, label: 'wall time', unit: 's' }],
  async run(context) {
    const trials: SynthTrial[] = [];
    for (let trial = 1; trial <= context.timing.trials; trial += 1) {
      context.progress(`trial ${trial}/${context.timing.trials}: synth + validate from a fresh directory`);
      trials.push(await synthOnce(context, []));
    }
    const everyCpu = `0-${cpus().length - 1}`;
    const measurement = {
      value: median(trials.map((t) => t.seconds)),
      figures: {
        ...(trials.every((t) => t.synthSeconds !== undefined) ? { synthSeconds: median(trials.map((t) => t.synthSeconds as number)) } : {}),
        ...(trials.every((t) => t.validateSeconds !== undefined) ? { validateSeconds: median(trials.map((t) => t.validateSeconds as number)) } : {}),
      },
      inputs: {
        command: 'node --import tsx environments/validate.ts --out <fresh directory>',
        stacks: 'dev, staging, prod and their -bootstrap stacks',
        tsxCache: 'disabled (TSX_DISABLE_CACHE=1)',
        trials: context.timing.trials,
      },
      trials: trials.map((t, index) => ({ trial: index + 1, ...t })),
      pinning: { pinned: false, reason: `a single command measured end to end, allowed on CPUs ${everyCpu}`, processes: { 'synth + terraform': everyCpu } },
      notes: [] as string[],
    };
    const split = measurement.figures;
    if (split.synthSeconds !== undefined && split.validateSeconds !== undefined) {
      measurement.notes.push(`Synth took ${round(split.synthSeconds, 1)} s and terraform init + validate ${round(split.validateSeconds, 1)} s (the rest is Node and tsx start-up).`);
    }
    if (!context.missesGoal(measurement)) return { measurement };

    context.progress('goal missed: profiling the synth process (node --cpu-prof)');
    const profileDir = mkdtempSync(join(tmpdir(), 'agentfleet-synth-prof-'));
    try {
      await synthOnce(context, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
      const file = readdirSync(profileDir).find((entry) => entry.endsWith('.cpuprofile'));
      if (!file) throw new Error('node --cpu-prof wrote no profile');
      const rawPath = join(context.resultsDir, 'synth-validate.cpuprofile');
      renameSync(join(profileDir, file), rawPath);
      const profile = summarizeProfileFile(context, 'synth-validate', rawPath, [
        'node --cpu-prof of environments/validate.ts, cold; time spent waiting for terraform shows as idle',
      ]);
      measurement.notes.push(`Where the synth process's CPU goes: ${profile.headline}.`);
      return { measurement, profile: profile.path };
    } finally {
      rmSync(profileDir, { recursive: true, force: true });
    }
  },
};

async function synthOnce(context: BenchContext, nodeArgs: string[]): Promise<SynthTrial> {
  const outdir = mkdtempSync(join(tmpdir(), 'agentfleet-synth-'));
  try {
    const { command, args } = pinnedCommand(context.plan.pinned ? `0-${cpus().length - 1}` : undefined, process.execPath, [
      '--import',
      'tsx',
      ...nodeArgs,
      join(context.root, 'environments', 'validate.ts'),
      '--out',
      outdir,
    ]);
    const started = performance.now();
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(command, args, {
        cwd: context.root,
        env: { ...process.env, TSX_DISABLE_CACHE: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`environments/validate.ts exited with ${code}:\n${text.slice(-2000)}`))));
    });
    const seconds = (performance.now() - started) / 1000;
    // validate.ts reports "(synth X s, validate Y s, total Z s)"; without it only the wall time is known.
    const split = /synth ([\d.]+) s, validate ([\d.]+) s/.exec(output);
    return { seconds, ...(split ? { synthSeconds: Number(split[1]), validateSeconds: Number(split[2]) } : {}) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
