import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Running the Terraform CLI from TypeScript (validation, the emulator tests). Where the local provider
 * mirror exists, Terraform uses the repository's CLI config (infra/terraform.rc) so nothing is
 * downloaded; elsewhere it installs providers as usual.
 */

export const TERRAFORM_CLI_CONFIG = resolve(fileURLToPath(import.meta.url), '..', '..', 'infra', 'terraform.rc');

export class TerraformError extends Error {
  override readonly name = 'TerraformError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`terraform ${args.join(' ')} exited with ${exitCode}:\n${output.slice(-4000)}`);
  }
}

/** The mirror directory named in infra/terraform.rc, if that directory exists on this machine. */
export function localProviderMirror(): string | undefined {
  const path = /filesystem_mirror\s*{[^}]*path\s*=\s*"([^"]+)"/.exec(readFileSync(TERRAFORM_CLI_CONFIG, 'utf8'))?.[1];
  return path && existsSync(path) ? path : undefined;
}

/** `base` plus TF_CLI_CONFIG_FILE when the mirror is available, and no prompts or update checks. */
export function terraformEnvironment(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...base,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    ...(localProviderMirror() ? { TF_CLI_CONFIG_FILE: TERRAFORM_CLI_CONFIG } : {}),
  };
}

export interface TerraformRun {
  stdout: string;
  stderr: string;
}

export interface TerraformOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Interrupt Terraform (SIGINT, so it releases locks and saves state) after this long. */
  timeoutMs?: number;
}

/**
 * Runs `terraform <args>` in `cwd`; rejects with TerraformError (carrying the output) on a non-zero
 * exit or when `timeoutMs` passes first.
 */
export function terraform(args: readonly string[], options: TerraformOptions): Promise<TerraformRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('terraform', [...args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGINT');
          }, options.timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => reject(new Error(`could not run terraform (is it installed?): ${error.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0 && !timedOut) resolvePromise({ stdout, stderr });
      else reject(new TerraformError(args, code, `${timedOut ? `interrupted after ${options.timeoutMs} ms\n` : ''}${stdout}\n${stderr}`));
    });
  });
}
