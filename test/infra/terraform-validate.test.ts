import test from 'ava';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK_NAMES, synthesize } from '../../environments/main.js';
import { localProviderMirror } from '../../environments/terraform.js';
import { validateStacks } from '../../environments/validate.js';

// Offline where the local provider mirror named in infra/terraform.rc exists; elsewhere (CI) Terraform
// downloads the provider.

test('terraform validate accepts every environment and bootstrap stack', async (t) => {
  t.timeout(5 * 60_000, 'terraform init + validate on a loaded machine');
  if (localProviderMirror()) t.log('offline: provider from the local mirror');
  const outdir = mkdtempSync(join(tmpdir(), 'agentfleet-validate-'));
  try {
    synthesize(outdir, []);
    const result = await validateStacks(outdir, process.env);
    t.deepEqual(result.errors, []);
    t.deepEqual(result.warnings, [], 'only the expected "backend in a child module" warnings');
    t.true(result.valid);
    t.is(STACK_NAMES.length, 6);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test('terraform validate catches a broken configuration (the check can fail)', async (t) => {
  t.timeout(5 * 60_000, 'terraform init + validate on a loaded machine');
  const outdir = mkdtempSync(join(tmpdir(), 'agentfleet-validate-broken-'));
  try {
    synthesize(outdir, ['dev']);
    const file = join(outdir, 'stacks', 'dev', 'cdk.tf.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as { resource: Record<string, Record<string, Record<string, unknown>>> };
    const queue = Object.values(config.resource.aws_sqs_queue ?? {})[0];
    if (queue) queue.visibility_timeout_secondz = 5;
    writeFileSync(file, JSON.stringify(config));
    const result = await validateStacks(outdir, process.env, ['dev']);
    t.false(result.valid);
    t.true(result.errors.some((e) => /visibility_timeout_secondz|Unsupported argument/.test(`${e.summary} ${e.detail ?? ''}`)));
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
