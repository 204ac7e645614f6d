import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { EnvironmentConfig } from '../../../environments/config.js';
import { FleetStack } from '../../../environments/fleet-stack.js';
import { STACK_NAMES, synthesize } from '../../../environments/main.js';

/** A synthesized stack (cdk.tf.json) with just enough typing to walk it in tests. */
export type Block = Record<string, any>;
export interface Synthesized {
  resource: Record<string, Record<string, Block>>;
  data?: Record<string, Record<string, Block>>;
  output?: Record<string, Block>;
  variable?: Record<string, Block>;
  terraform: Block;
  provider: Record<string, Block[]>;
}

/** Synthesizes every stack of environments/main.ts into a private directory and reads them back. */
export function synthesizeAll(): Record<string, Synthesized> {
  const outdir = mkdtempSync(join(tmpdir(), 'agentfleet-synth-'));
  try {
    synthesize(outdir, []);
    return Object.fromEntries(
      STACK_NAMES.map((stack) => [stack, JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as Synthesized]),
    );
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** One environment's fleet stack built from `config` (which may be a test's own), state in a private file. */
export function synthesizeFleet(config: EnvironmentConfig): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'agentfleet-synth-'));
  try {
    const app = new App({ outdir });
    new FleetStack(app, config.name, config, { localStatePath: join(outdir, 'terraform.tfstate') });
    app.synth();
    return JSON.parse(readFileSync(join(outdir, 'stacks', config.name, 'cdk.tf.json'), 'utf8')) as Synthesized;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** All resources of one type. */
export function resources(stack: Synthesized, type: string): Block[] {
  return Object.values(stack.resource[type] ?? {});
}

/** The one resource of `type` whose attribute `key` equals `value`; fails loudly otherwise. */
export function resourceWhere(stack: Synthesized, type: string, key: string, value: unknown): Block {
  const found = resources(stack, type).filter((r) => r[key] === value);
  if (found.length !== 1) throw new Error(`expected one ${type} with ${key}=${String(value)}, found ${found.length}`);
  return found[0] as Block;
}

/** The variables a launch template's boot script writes for the worker container (`NAME=value` lines of its env file). */
export function userDataEnvironment(template: Block): Record<string, string> {
  const hcl = /^\$\{base64encode\("([\s\S]*)"\)\}$/.exec(template.user_data as string)?.[1];
  if (hcl === undefined) throw new Error('user_data is not base64encode("...")');
  const script = hcl.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  const envFile = /<<'AGENTFLEET_ENV'\n([\s\S]*?)\nAGENTFLEET_ENV\n/.exec(script)?.[1];
  if (envFile === undefined) throw new Error('no worker env file in the boot script');
  return Object.fromEntries(envFile.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
}

/** Environment variables of the one container of an ECS task definition. */
export function taskEnvironment(definition: Block): Record<string, string> {
  const [container] = JSON.parse(definition.container_definitions as string) as Block[];
  return Object.fromEntries((container?.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
}

export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface FoundPolicy {
  /** `type.name` of the resource holding the document, and the attribute. */
  where: string;
  kind: 'identity' | 'resource' | 'trust';
  statements: PolicyStatementJson[];
}

const POLICY_ATTRIBUTES: Record<string, { attribute: string; kind: FoundPolicy['kind'] }[]> = {
  aws_iam_role_policy: [{ attribute: 'policy', kind: 'identity' }],
  aws_iam_policy: [{ attribute: 'policy', kind: 'identity' }],
  aws_iam_role: [{ attribute: 'assume_role_policy', kind: 'trust' }],
  aws_sqs_queue_policy: [{ attribute: 'policy', kind: 'resource' }],
  aws_sns_topic_policy: [{ attribute: 'policy', kind: 'resource' }],
  aws_s3_bucket_policy: [{ attribute: 'policy', kind: 'resource' }],
};

/** Every policy document in a stack, parsed (references stay `${...}` text inside the strings). */
export function policies(stack: Synthesized): FoundPolicy[] {
  const found: FoundPolicy[] = [];
  for (const [type, attributes] of Object.entries(POLICY_ATTRIBUTES)) {
    for (const [name, block] of Object.entries(stack.resource[type] ?? {})) {
      for (const { attribute, kind } of attributes) {
        const document = JSON.parse(block[attribute] as string) as { Statement: PolicyStatementJson[] };
        found.push({ where: `${type}.${name}.${attribute}`, kind, statements: document.Statement });
      }
    }
  }
  return found;
}

export const asList = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
