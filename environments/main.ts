import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'cdktf';
import { Command } from 'commander';
import { BootstrapStack } from './bootstrap-stack.js';
import { ENVIRONMENT_NAMES, loadEnvironment } from './index.js';
import { FleetStack } from './fleet-stack.js';

/**
 * The CDKTF app: for each environment a stack named after it (`dev`, `staging`, `prod`) with its state
 * in the environment's S3 bucket, and `<env>-bootstrap`, which creates that bucket. Synthesizes the
 * named stacks (all by default) to `<out>/stacks/<stack>/cdk.tf.json`, ready for `terraform -chdir`.
 *
 *   npx tsx environments/main.ts [--out cdktf.out] [stack ...]
 */

const repoRoot = resolve(fileURLToPath(import.meta.url), '..', '..');

export const STACK_NAMES = ENVIRONMENT_NAMES.flatMap((name) => [name, `${name}-bootstrap`]);

export function synthesize(outdir: string, stacks: readonly string[]): void {
  const unknown = stacks.filter((stack) => !STACK_NAMES.includes(stack));
  if (unknown.length > 0) throw new Error(`unknown stack ${unknown.join(', ')}: expected ${STACK_NAMES.join(', ')}`);
  const app = new App({ outdir });
  for (const name of ENVIRONMENT_NAMES) {
    const wanted = (stack: string) => stacks.length === 0 || stacks.includes(stack);
    if (!wanted(name) && !wanted(`${name}-bootstrap`)) continue;
    const config = loadEnvironment(name);
    if (wanted(name)) new FleetStack(app, name, config);
    if (wanted(`${name}-bootstrap`)) {
      new BootstrapStack(app, `${name}-bootstrap`, config, { localStatePath: resolve(repoRoot, 'infra', 'bootstrap', `${name}.tfstate`) });
    }
  }
  app.synth();
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const program = new Command('synth')
    .description('synthesize agentfleet stacks to Terraform JSON')
    .option('--out <dir>', 'output directory', resolve(repoRoot, 'cdktf.out'))
    .argument('[stacks...]', `stacks to synthesize (${STACK_NAMES.join(', ')}); all when none are given`)
    .action((stacks: string[], options: { out: string }) => {
      synthesize(resolve(options.out), stacks);
      const list = stacks.length > 0 ? stacks : STACK_NAMES;
      console.log(`synthesized ${list.join(', ')} to ${resolve(options.out)}/stacks/`);
    });
  try {
    program.parse();
  } catch (error) {
    console.error(`synth: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
