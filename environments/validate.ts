import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { STACK_NAMES, synthesize } from './main.js';
import { TerraformError, terraform, terraformEnvironment } from './terraform.js';

/**
 * `terraform validate` for every synthesized stack, offline, in one Terraform run: a throwaway root
 * module calls each stack's cdk.tf.json as a child module. Loading the AWS provider's schema is most
 * of validate's time, so one run instead of six is the difference between seconds and a minute.
 * (Terraform warns that a child module's backend block is ignored; that warning is expected here.)
 *
 *   npx tsx environments/validate.ts [--out cdktf.out]
 */

interface Diagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail?: string;
}

export interface ValidationResult {
  valid: boolean;
  errors: Diagnostic[];
  /** Warnings other than the expected "backend in a child module". */
  warnings: Diagnostic[];
}

/** Values for variables without a default; validate checks types and references, not values. */
const VALIDATION_VALUES: Record<string, string> = {
  api_certificate_arn: 'arn:aws:acm:us-east-1:000000000000:certificate/validate-only',
};

function requiredVariables(stackDir: string): Record<string, string> {
  const config = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as { variable?: Record<string, { default?: unknown }> };
  const values: Record<string, string> = {};
  for (const [name, variable] of Object.entries(config.variable ?? {})) {
    if ('default' in variable) continue;
    const value = VALIDATION_VALUES[name];
    if (value === undefined) throw new Error(`${stackDir}: variable ${name} has no default and no validation value`);
    values[name] = value;
  }
  return values;
}

export async function validateStacks(outdir: string, env: NodeJS.ProcessEnv, stacks: readonly string[] = STACK_NAMES): Promise<ValidationResult> {
  const root = join(outdir, 'validate');
  mkdirSync(root, { recursive: true });
  const modules = Object.fromEntries(
    stacks.map((stack) => {
      const stackDir = join(outdir, 'stacks', stack);
      return [stack.replace(/-/g, '_'), { source: `./${relative(root, stackDir)}`, ...requiredVariables(stackDir) }];
    }),
  );
  writeFileSync(join(root, 'main.tf.json'), JSON.stringify({ module: modules }, null, 2));
  const tfEnv = terraformEnvironment(env);
  await terraform(['init', '-backend=false', '-input=false', '-no-color'], { cwd: root, env: tfEnv });
  // validate exits non-zero on errors; its JSON report is what we read either way.
  const stdout = await terraform(['validate', '-json', '-no-color'], { cwd: root, env: tfEnv }).then(
    (run) => run.stdout,
    (error: unknown) => {
      if (error instanceof TerraformError) return error.output;
      throw error;
    },
  );
  const report = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { valid: boolean; diagnostics: Diagnostic[] };
  return {
    valid: report.valid,
    errors: report.diagnostics.filter((d) => d.severity === 'error'),
    warnings: report.diagnostics.filter((d) => d.severity === 'warning' && !/backend/i.test(`${d.summary} ${d.detail ?? ''}`)),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const program = new Command('validate')
    .description('synthesize every stack and run terraform validate on all of them, offline')
    .option('--out <dir>', 'output directory', resolve(fileURLToPath(import.meta.url), '..', '..', 'cdktf.out'))
    .action(async (options: { out: string }) => {
      const outdir = resolve(options.out);
      const started = performance.now();
      synthesize(outdir, []);
      const synthesized = performance.now();
      const result = await validateStacks(outdir, process.env);
      const done = performance.now();
      for (const d of [...result.errors, ...result.warnings]) console.error(`${d.severity}: ${d.summary}${d.detail ? `\n  ${d.detail}` : ''}`);
      const seconds = (ms: number) => (ms / 1000).toFixed(1);
      console.log(
        `${result.valid ? 'valid' : 'INVALID'}: ${STACK_NAMES.join(', ')} ` +
          `(synth ${seconds(synthesized - started)} s, validate ${seconds(done - synthesized)} s, total ${seconds(done - started)} s)`,
      );
      if (!result.valid) process.exitCode = 1;
    });
  await program.parseAsync();
}
