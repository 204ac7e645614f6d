import test from 'ava';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'cdktf';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeLifecycleHooksCommand, DescribePoliciesCommand, DescribeScheduledActionsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClustersCommand, DescribeServicesCommand, DescribeTaskDefinitionCommand, ECSClient } from '@aws-sdk/client-ecs';
import { GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { asgSizeInSlots, instancesToSlots, loadEnvironment, parseEnvironmentConfig, resourceNames, type EnvironmentConfig } from '../../environments/index.js';
import { dev as devSource } from '../../environments/dev.js';
import { EMULATOR_LEAVES_OUT } from '../../environments/emulator.js';
import { FleetStack } from '../../environments/fleet-stack.js';
import { terraform, terraformEnvironment } from '../../environments/terraform.js';
import { startMoto, type TestMoto } from '../support/moto.js';
import { unexplainedChanges, type EmulatorGap, type PlanJson } from './support/plan-changes.js';

/**
 * A dev-sized stack, built from the same modules as every environment, applied to moto_server, read
 * back with the AWS SDK, planned again, and destroyed. What moto cannot create at all is left out by
 * the stack's emulator option (EMULATOR_LEAVES_OUT); what it creates but reports back differently is
 * listed here, so the second plan must be empty apart from exactly these.
 */
const MOTO_GAPS: Record<string, EmulatorGap> = {
  aws_autoscaling_group: {
    paths: [
      'default_instance_warmup',
      'mixed_instances_policy.*.launch_template.*.launch_template_specification.*.version',
      'capacity_reservation_specification',
    ],
    reason:
      'moto does not keep DefaultInstanceWarmup; the template version follows the launch template gap, and the update ' +
      'that causes leaves the computed capacity reservation preference unknown',
  },
  aws_launch_template: {
    paths: ['tag_specifications', 'default_version', 'latest_version'],
    reason: 'moto reports the template\'s own tags as a "launch-template" tag specification, so Terraform would write a new version',
  },
  aws_autoscaling_lifecycle_hook: {
    paths: ['notification_target_arn', 'role_arn'],
    reason: 'moto fills in sample notification and role ARNs for a hook created without them',
  },
  aws_autoscaling_policy: {
    paths: ['enabled', 'predictive_scaling_configuration'],
    reason: 'moto omits Enabled and returns an empty predictive scaling block',
  },
  aws_ecs_service: {
    paths: ['capacity_provider_strategy', 'enable_ecs_managed_tags', 'health_check_grace_period_seconds', 'availability_zone_rebalancing', 'deployment_controller', 'tags'],
    replaces: true,
    reason: 'moto drops capacity provider strategies (so the burst services would be replaced), managed tags, grace period and AZ rebalancing',
  },
  aws_vpc_security_group_ingress_rule: {
    paths: ['referenced_security_group_id', 'description'],
    reason: 'moto returns a referenced group as "<account>/<sg-id>" and drops the rule description',
  },
  aws_vpc_security_group_egress_rule: {
    paths: ['referenced_security_group_id', 'description'],
    reason: 'as for ingress rules',
  },
};

const TERRAFORM_TIMEOUT_MS = 8 * 60_000;

// dev, plus a pre-warm schedule so scheduled actions are exercised too.
const config: EnvironmentConfig = parseEnvironmentConfig({
  ...devSource,
  scaling: { ...devSource.scaling, prewarm: [{ name: 'weekday-morning', schedule: 'cron(0 13 ? * MON-FRI *)', minInstances: 2, pools: ['spot'] }] },
});
const names = resourceNames(config.name);

let moto: TestMoto;
let workdir: string;
let stackDir: string;
let tfEnv: NodeJS.ProcessEnv;
let clients: { sqs: SQSClient; autoscaling: AutoScalingClient; ec2: EC2Client; ecs: ECSClient };
let outputs: Record<string, { value: string }>;

const tf = (args: string[]) => terraform(args, { cwd: stackDir, env: tfEnv, timeoutMs: TERRAFORM_TIMEOUT_MS });

test.before(async (t) => {
  t.timeout(TERRAFORM_TIMEOUT_MS + 60_000, 'moto_server start, synth and terraform apply');
  moto = await startMoto();
  workdir = mkdtempSync(join(tmpdir(), 'agentfleet-moto-'));
  const app = new App({ outdir: join(workdir, 'out') });
  new FleetStack(app, config.name, config, {
    localStatePath: join(workdir, 'terraform.tfstate'),
    emulator: { endpoint: moto.endpoint, redisUrl: 'redis://127.0.0.1:6379' },
  });
  app.synth();
  stackDir = join(workdir, 'out', 'stacks', config.name);
  tfEnv = terraformEnvironment(process.env);
  const options = { endpoint: moto.endpoint, region: config.region, credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' } };
  clients = { sqs: new SQSClient(options), autoscaling: new AutoScalingClient(options), ec2: new EC2Client(options), ecs: new ECSClient(options) };
  await tf(['init', '-input=false', '-no-color']);
  await tf(['apply', '-auto-approve', '-input=false', '-no-color']);
  outputs = JSON.parse((await tf(['output', '-json'])).stdout) as Record<string, { value: string }>;
});

test.after.always(async () => {
  for (const client of Object.values(clients ?? {})) client.destroy();
  await moto?.stop();
  if (workdir) rmSync(workdir, { recursive: true, force: true });
});

test.serial('the emulator leaves out only what moto cannot create, each with its reason', (t) => {
  t.deepEqual(Object.keys(EMULATOR_LEAVES_OUT).sort(), ['api-autoscaling', 'cost-guard', 'run-state']);
  for (const reason of Object.values(EMULATOR_LEAVES_OUT)) t.regex(reason, /moto_server/);
});

test.serial('every role reads back with the workload permissions boundary; the CI roles are not the environment\'s to apply', async (t) => {
  const state = JSON.parse((await tf(['show', '-json'])).stdout) as { values: { root_module: { resources: { type: string; values: Record<string, unknown> }[] } } };
  const roles = state.values.root_module.resources.filter((r) => r.type === 'aws_iam_role');
  t.true(roles.length >= 8);
  for (const role of roles) {
    t.regex(String(role.values.permissions_boundary), new RegExp(`^arn:aws:iam::\\d{12}:policy/agentfleet-boundary/${names.prefix}-workload$`), String(role.values.name));
  }
  t.false(roles.some((role) => String(role.values.name).includes('-ci-')));
  t.falsy(outputs.ci_apply_role_arn);
});

test.serial('the queue reads back with the configured retention, visibility, redrive and encryption', async (t) => {
  const url = outputs.queue_url?.value ?? '';
  t.true(url.endsWith(`/${names.queue}`));
  const { Attributes: attributes = {} } = await clients.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
  t.is(Number(attributes.MessageRetentionPeriod), config.queue.retentionSeconds);
  t.is(Number(attributes.VisibilityTimeout), config.queue.visibilityTimeoutSeconds);
  t.is(Number(attributes.ReceiveMessageWaitTimeSeconds), config.queue.receiveWaitSeconds);
  t.is(attributes.SqsManagedSseEnabled, 'true');
  const redrive = JSON.parse(attributes.RedrivePolicy ?? '{}') as { maxReceiveCount: number; deadLetterTargetArn: string };
  t.is(Number(redrive.maxReceiveCount), config.queue.maxReceiveCount);
  t.true(redrive.deadLetterTargetArn.endsWith(`:${names.deadLetterQueue}`));
  t.regex(attributes.Policy ?? '', /aws:SecureTransport/);
});

test.serial('both worker ASGs read back with their slot-sized limits, drain hook, pre-warm schedule and CPU policy', async (t) => {
  const { AutoScalingGroups: groups = [] } = await clients.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [names.pools.spot, names.pools['on-demand']] }),
  );
  t.is(groups.length, 2);
  for (const pool of ['spot', 'on-demand'] as const) {
    const group = groups.find((g) => g.AutoScalingGroupName === names.pools[pool]);
    const size = asgSizeInSlots(config.pools[pool]);
    t.like(group, { MinSize: size.min, MaxSize: size.max });
    t.is(new Set(group?.VPCZoneIdentifier?.split(',')).size, config.availabilityZones.length);
    const distribution = group?.MixedInstancesPolicy?.InstancesDistribution;
    t.is(distribution?.OnDemandPercentageAboveBaseCapacity, pool === 'spot' ? 0 : 100);
  }
  t.true(groups.find((g) => g.AutoScalingGroupName === names.pools.spot)?.CapacityRebalance);

  const { LifecycleHooks: hooks = [] } = await clients.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: names.pools.spot }));
  t.like(hooks[0], { LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING', HeartbeatTimeout: config.worker.drainTimeoutSeconds });

  const { ScheduledUpdateGroupActions: actions = [] } = await clients.autoscaling.send(
    new DescribeScheduledActionsCommand({ AutoScalingGroupName: names.pools.spot }),
  );
  t.like(actions[0], { ScheduledActionName: 'weekday-morning', Recurrence: '0 13 * * MON-FRI', MinSize: instancesToSlots(config.pools.spot, 2) });

  const { ScalingPolicies: policies = [] } = await clients.autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: names.pools.spot }));
  const tracking = policies.find((p) => p.PolicyType === 'TargetTrackingScaling');
  t.is(tracking?.TargetTrackingConfiguration?.TargetValue, config.scaling.cpu.scaleOutAbovePercent);
});

test.serial('the launch template requires IMDSv2, encrypts its gp3 root volume and boots a script that runs the worker', async (t) => {
  const { LaunchTemplateVersions: versions = [] } = await clients.ec2.send(
    new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: names.pools.spot, Versions: ['$Latest'] }),
  );
  const data = versions[0]?.LaunchTemplateData;
  t.is(data?.MetadataOptions?.HttpTokens, 'required');
  t.like(data?.BlockDeviceMappings?.[0]?.Ebs, { Encrypted: true, VolumeType: 'gp3', VolumeSize: config.worker.rootVolumeGiB });
  const script = Buffer.from(data?.UserData ?? '', 'base64').toString('utf8');
  t.true(script.includes(`SQS_QUEUE_URL=${outputs.queue_url?.value}`), 'references resolved to real values');
  for (const { type, slots } of config.pools.spot.instanceTypes) t.true(script.includes(`  ${type}) SLOTS=${slots} ;;`), type);
  t.true(script.includes('"http://169.254.169.254/latest/meta-data/$1"'), 'quotes survive Terraform');
  const syntax = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  t.is(syntax.status, 0, syntax.stderr);
});

test.serial('the network spans three zones and the VPC has the configured CIDR', async (t) => {
  const { Vpcs: vpcs = [] } = await clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [config.network.cidr] }] }));
  t.is(vpcs.length, 1);
  const { Subnets: subnets = [] } = await clients.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcs[0]?.VpcId ?? ''] }] }));
  t.is(subnets.length, 2 * config.availabilityZones.length);
  t.deepEqual([...new Set(subnets.map((s) => s.AvailabilityZone))].sort(), [...config.availabilityZones].sort());
});

test.serial('ECS reads back: both capacity providers, burst services at zero, one scaler, an x86_64 burst task with 120 s to stop', async (t) => {
  const { clusters = [] } = await clients.ecs.send(new DescribeClustersCommand({ clusters: [names.cluster] }));
  t.deepEqual([...(clusters[0]?.capacityProviders ?? [])].sort(), ['FARGATE', 'FARGATE_SPOT']);
  const { services = [] } = await clients.ecs.send(
    new DescribeServicesCommand({ cluster: names.cluster, services: [names.pools['burst-spot'], names.pools['burst-ondemand'], names.scalerService, names.apiService] }),
  );
  const desired = Object.fromEntries(services.map((s) => [s.serviceName, s.desiredCount]));
  t.deepEqual(desired, {
    [names.pools['burst-spot']]: 0,
    [names.pools['burst-ondemand']]: 0,
    [names.scalerService]: 1,
    [names.apiService]: config.api.minTasks,
  });
  const { taskDefinition } = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: names.pools['burst-spot'] }));
  t.is(taskDefinition?.runtimePlatform?.cpuArchitecture, 'X86_64');
  t.is(taskDefinition?.containerDefinitions?.[0]?.stopTimeout, 120);
});

test.serial('a second plan changes nothing beyond moto\'s documented gaps', async (t) => {
  t.timeout(TERRAFORM_TIMEOUT_MS, 'terraform plan');
  await tf(['plan', '-input=false', '-no-color', '-out=second.tfplan']);
  const plan = JSON.parse((await tf(['show', '-json', 'second.tfplan'])).stdout) as PlanJson;
  t.deepEqual(unexplainedChanges(plan, MOTO_GAPS), []);
  const changed = new Set((plan.resource_changes ?? []).filter((c) => !c.change.actions.includes('no-op')).map((c) => c.type));
  t.log(`moto gaps seen: ${[...changed].sort().join(', ') || 'none'}`);
});

test.serial('destroy removes everything it created', async (t) => {
  t.timeout(TERRAFORM_TIMEOUT_MS, 'terraform destroy');
  await tf(['destroy', '-auto-approve', '-input=false', '-no-color']);
  const { QueueUrls: queues = [] } = await clients.sqs.send(new ListQueuesCommand({ QueueNamePrefix: names.prefix }));
  t.deepEqual(queues, []);
  const { AutoScalingGroups: groups = [] } = await clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [names.pools.spot] }));
  t.deepEqual(groups, []);
  const { Vpcs: vpcs = [] } = await clients.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [config.network.cidr] }] }));
  t.deepEqual(vpcs, []);
  const state = JSON.parse((await tf(['show', '-json'])).stdout) as { values?: { root_module?: { resources?: unknown[] } } };
  t.deepEqual(state.values?.root_module?.resources ?? [], []);
});

test('the dev config this test applies is the real dev config plus one schedule', (t) => {
  const real = loadEnvironment('dev');
  t.deepEqual({ ...config, scaling: { ...config.scaling, prewarm: [] } }, real);
});
