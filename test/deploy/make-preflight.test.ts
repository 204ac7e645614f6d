import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { STACK_NAMES } from '../../environments/main.js';

/**
 * `make plan|deploy|destroy` (and scripts/infra.sh behind them) stop before touching anything when
 * ENV is missing or unknown, terraform is missing or there are no AWS credentials; `apply-plan`
 * applies only the saved plan made at this commit for this stack. Every run gets a PATH of its own:
 * the few system tools the scripts use, and stand-ins for terraform and npx that log each call (so
 * "touched nothing" is checked, and no AWS call is made); HOME is an empty directory.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOOLS = ['bash', 'make', 'dirname', 'sed', 'head', 'realpath', 'git', 'sha256sum', 'cut', 'mkdir', 'rm', 'cat', 'grep'];

interface Sandbox {
  dir: string;
  home: string;
  log: string;
  /** PATH with the system tools only; `withTerraform` adds the terraform and npx stand-ins. */
  path(withTerraform: boolean): string;
}

function sandbox(t: { teardown(fn: () => void): void }): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-preflight-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const tools = join(dir, 'tools');
  const stubs = join(dir, 'stubs');
  const home = join(dir, 'home');
  for (const folder of [tools, stubs, home]) mkdirSync(folder);
  for (const tool of TOOLS) symlinkSync(execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(tools, tool));
  const log = join(dir, 'calls.log');
  // terraform plan -out=FILE writes FILE; terraform show prints $TF_SHOW (a plan's text).
  const stub = (name: string, body = '') =>
    writeFileSync(join(stubs, name), `#!/bin/bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
  stub('terraform', 'for a; do case $a in -out=*) echo "plan of $PWD" > "${a#-out=}";; esac; done\n[[ " $* " == *" show "* ]] && printf "%s\\n" "$TF_SHOW"\nexit 0');
  stub('npx');
  return { dir, home, log, path: (withTerraform) => (withTerraform ? `${stubs}:${tools}` : tools) };
}

function run(box: Sandbox, command: string[], options: { cwd?: string; env?: Record<string, string>; terraform?: boolean }) {
  const [file, ...args] = command;
  const result = spawnSync(file!, args, {
    cwd: options.cwd ?? ROOT,
    env: { PATH: box.path(options.terraform ?? true), HOME: box.home, ...options.env },
    encoding: 'utf8',
  });
  return { status: result.status, stderr: result.stderr, calls: existsSync(box.log) ? readFileSync(box.log, 'utf8') : '' };
}

const credentials = { AWS_PROFILE: 'agentfleet-test' };

for (const action of ['plan', 'deploy', 'destroy']) {
  test(`make ${action} without ENV stops and says how to name one`, (t) => {
    const box = sandbox(t);
    const result = run(box, ['make', '--no-print-directory', action], { env: credentials });
    t.not(result.status, 0);
    t.regex(result.stderr, new RegExp(`${action}: ENV is not set: name the environment, e\\.g\\. \`make ${action} ENV=dev\``));
    t.is(result.calls, '', 'neither terraform nor npx ran');
  });
}

test('make deploy with an unknown ENV stops and lists the stacks', (t) => {
  const box = sandbox(t);
  const result = run(box, ['make', '--no-print-directory', 'deploy', 'ENV=qa'], { env: credentials });
  t.not(result.status, 0);
  t.regex(result.stderr, /deploy: unknown ENV "qa": expected one of dev staging prod/);
  t.is(result.calls, '');
});

test('make deploy ENV=prod without terraform stops and says to install it', (t) => {
  const box = sandbox(t);
  const result = run(box, ['make', '--no-print-directory', 'deploy', 'ENV=prod'], { env: credentials, terraform: false });
  t.not(result.status, 0);
  t.regex(result.stderr, /deploy: terraform is not installed \(or not on PATH\): install Terraform >= 1\.11/);
});

test('make deploy ENV=prod without AWS credentials stops before synth or terraform', (t) => {
  const box = sandbox(t);
  const result = run(box, ['make', '--no-print-directory', 'deploy', 'ENV=prod'], {});
  t.not(result.status, 0);
  t.regex(result.stderr, /deploy: no AWS credentials: set AWS_PROFILE \(or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  t.is(result.calls, '', 'neither terraform nor npx ran');
});

test('infra.sh knows exactly the stacks environments/main.ts synthesizes, and passes them with terraform and credentials', (t) => {
  const box = sandbox(t);
  for (const stack of STACK_NAMES) {
    const result = run(box, ['scripts/infra.sh', 'check', 'deploy', stack], { env: credentials });
    t.is(result.status, 0, `${stack}: ${result.stderr}`);
  }
  const listed = /^STACKS=\((.*)\)$/m.exec(readFileSync(join(ROOT, 'scripts', 'infra.sh'), 'utf8'))?.[1]?.split(' ');
  t.deepEqual([...(listed ?? [])].sort(), [...STACK_NAMES].sort());
  t.is(run(box, ['make', '--no-print-directory', '-n', 'synth'], {}).status, 0, 'synth keeps its default ENV');
});

/** A git checkout holding scripts/infra.sh, one commit deep. */
function checkout(box: Sandbox): string {
  const repo = join(box.dir, 'repo');
  mkdirSync(join(repo, 'scripts'), { recursive: true });
  cpSync(join(ROOT, 'scripts', 'infra.sh'), join(repo, 'scripts', 'infra.sh'));
  cpSync(join(ROOT, 'infra'), join(repo, 'infra'), { recursive: true });
  writeFileSync(join(repo, '.gitignore'), 'cdktf.out/\n');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: repo, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'one');
  return repo;
}

const PLAN_TEXT = ['  # aws_sqs_queue.runs will be updated in-place', '  # aws_wafv2_web_acl.api will be created', '', 'Plan: 1 to add, 1 to change, 0 to destroy.'].join('\n');

test('make plan saves the plan with the commit it was made at and a summary of what it changes', (t) => {
  const box = sandbox(t);
  const repo = checkout(box);
  const result = run(box, ['scripts/infra.sh', 'plan', 'staging'], { cwd: repo, env: { ...credentials, TF_SHOW: PLAN_TEXT } });
  t.is(result.status, 0, result.stderr);
  t.regex(result.calls, /terraform -chdir=cdktf.out\/stacks\/staging plan -lock=false -refresh=true -input=false -out=\S+\/cdktf.out\/plans\/staging.tfplan/);
  const unrefreshed = run(box, ['scripts/infra.sh', 'plan', 'staging'], { cwd: repo, env: { ...credentials, TF_SHOW: PLAN_TEXT, REFRESH: 'false' } });
  t.regex(unrefreshed.calls, / plan -lock=false -refresh=false /);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const stamp = readFileSync(join(repo, 'cdktf.out', 'plans', 'staging.stamp'), 'utf8');
  t.regex(stamp, new RegExp(`^stack=staging\ncommit=${head}\nsha256=[0-9a-f]{64}\n$`));
  t.is(
    readFileSync(join(repo, 'cdktf.out', 'plans', 'staging.md'), 'utf8'),
    '### staging: Plan: 1 to add, 1 to change, 0 to destroy.\n\n```\naws_sqs_queue.runs will be updated in-place\naws_wafv2_web_acl.api will be created\n```\n',
  );
});

test('make apply-plan applies the saved plan made at this commit, and refuses any other', (t) => {
  const box = sandbox(t);
  const repo = checkout(box);
  const env = { ...credentials, TF_SHOW: PLAN_TEXT, CI: 'true' };
  const plan = join(repo, 'cdktf.out', 'plans', 'dev.tfplan');
  const applyPlan = (stack = 'dev') => run(box, ['scripts/infra.sh', 'apply-plan', stack, plan], { cwd: repo, env });
  const applied = (calls: string) => calls.split('\n').filter((line) => / apply /.test(line));

  t.is(run(box, ['scripts/infra.sh', 'plan', 'dev'], { cwd: repo, env }).status, 0);
  const ok = applyPlan();
  t.is(ok.status, 0, ok.stderr);
  t.deepEqual(applied(ok.calls), [`terraform -chdir=cdktf.out/stacks/dev apply -input=false ${plan}`], 'that file, nothing else');

  rmSync(box.log);
  const otherStack = applyPlan('staging');
  t.regex(otherStack.stderr, /was made for dev, not staging/);

  const original = readFileSync(plan, 'utf8');
  writeFileSync(plan, `${original}tampered\n`);
  t.regex(applyPlan().stderr, /changed after it was made: plan again/);
  writeFileSync(plan, original);

  writeFileSync(join(repo, 'scripts', 'infra.sh'), `${readFileSync(join(repo, 'scripts', 'infra.sh'), 'utf8')}\n`);
  t.regex(applyPlan().stderr, /uncommitted changes/);
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qam', 'two'], { cwd: repo });
  t.regex(applyPlan().stderr, /was made at [0-9a-f]{40}, this checkout is [0-9a-f]{40}: plan again/);

  rmSync(plan);
  t.regex(applyPlan().stderr, /no saved plan at .*dev\.tfplan .*run `make plan ENV=dev` first/);
  t.false(existsSync(box.log), 'no refused plan reached terraform, nor synth');
});

test('make drift records clean, drift or error from terraform plan -detailed-exitcode', (t) => {
  const box = sandbox(t);
  const repo = checkout(box);
  const stub = join(box.dir, 'stubs', 'terraform');
  for (const [code, result] of [[0, 'clean'], [2, 'drift'], [1, 'error']] as const) {
    writeFileSync(stub, `#!/bin/bash\n[[ " $* " == *" plan "* ]] && { printf '%s\\n' "$TF_SHOW"; exit ${code}; }\nexit 0\n`);
    chmodSync(stub, 0o755);
    const drift = run(box, ['scripts/infra.sh', 'drift', 'prod'], { cwd: repo, env: { ...credentials, TF_SHOW: PLAN_TEXT } });
    t.is(drift.status, code);
    t.is(readFileSync(join(repo, 'cdktf.out', 'plans', 'prod.drift'), 'utf8'), `${result}\n`);
  }
  t.regex(readFileSync(join(repo, 'cdktf.out', 'plans', 'prod.md'), 'utf8'), /^### drift in prod: Plan: 1 to add/);
});
