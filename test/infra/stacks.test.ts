import test from 'ava';
import { ENVIRONMENT_NAMES, asgSizeInSlots, instancesToSlots, loadEnvironment, prewarmCron, resourceNames } from '../../environments/index.js';
import { GRAVITON_SHAPES, type GravitonType } from '../../environments/catalog.js';
import { slotsOn } from '../../environments/sizing.js';
import { ARM64_AMI_PARAMETER } from '../../modules/worker-pool/index.js';
import { loadConfig } from '../../services/core/config.js';
import { RUN_METRICS } from '../../environments/names.js';
import { resourceWhere, resources, synthesizeAll, taskEnvironment, userDataEnvironment, type Block, type Synthesized } from './support/synthesized.js';

let stacks: Record<string, Synthesized>;
test.before(() => {
  stacks = synthesizeAll();
});

const stack = (name: string): Synthesized => {
  const found = stacks[name];
  if (!found) throw new Error(`stack ${name} was not synthesized`);
  return found;
};
const asg = (env: string, pool: 'spot' | 'on-demand'): Block =>
  resourceWhere(stack(env), 'aws_autoscaling_group', 'name', resourceNames(env as 'dev').pools[pool]);

for (const env of ENVIRONMENT_NAMES) {
  const config = loadEnvironment(env);

  test(`${env}: the run queue has the configured retention, visibility, redrive and SQS-managed encryption`, (t) => {
    const queue = resourceWhere(stack(env), 'aws_sqs_queue', 'name', resourceNames(env).queue);
    const dlq = resourceWhere(stack(env), 'aws_sqs_queue', 'name', resourceNames(env).deadLetterQueue);
    t.like(queue, {
      message_retention_seconds: config.queue.retentionSeconds,
      visibility_timeout_seconds: config.queue.visibilityTimeoutSeconds,
      sqs_managed_sse_enabled: true,
    });
    t.true(dlq.sqs_managed_sse_enabled);
    t.is(queue.fifo_queue, undefined, 'a standard queue');
    const redrive = JSON.parse(queue.redrive_policy as string) as { maxReceiveCount: number; deadLetterTargetArn: string };
    t.is(redrive.maxReceiveCount, config.queue.maxReceiveCount);
    t.regex(redrive.deadLetterTargetArn, /aws_sqs_queue\.queue_dead-letter/);
  });

  test(`${env}: the high-priority queue is laid down like the run queue, redrives to the same DLQ, and every service is told its URL`, (t) => {
    const names = resourceNames(env);
    const high = resourceWhere(stack(env), 'aws_sqs_queue', 'name', names.highPriorityQueue);
    t.like(high, {
      message_retention_seconds: config.queue.retentionSeconds,
      visibility_timeout_seconds: config.queue.visibilityTimeoutSeconds,
      sqs_managed_sse_enabled: true,
    });
    const redrive = JSON.parse(high.redrive_policy as string) as { maxReceiveCount: number; deadLetterTargetArn: string };
    t.is(redrive.maxReceiveCount, config.queue.maxReceiveCount);
    t.regex(redrive.deadLetterTargetArn, /aws_sqs_queue\.queue_dead-letter/);
    const alarms = resources(stack(env), 'aws_cloudwatch_metric_alarm').map((alarm) => alarm.alarm_name);
    t.true(alarms.includes(`${names.highPriorityQueue}-oldest-message-age`));
    for (const family of [names.apiService, names.scalerService, names.pools['burst-spot']]) {
      const environment = taskEnvironment(resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', family));
      t.regex(environment.SQS_HIGH_PRIORITY_QUEUE_URL ?? '', /aws_sqs_queue\.queue_high-priority/, family);
    }
    for (const template of resources(stack(env), 'aws_launch_template')) {
      t.regex(userDataEnvironment(template).SQS_HIGH_PRIORITY_QUEUE_URL ?? '', /aws_sqs_queue\.queue_high-priority/, template.name as string);
    }
  });

  test(`${env}: subnets, ASGs and Redis use the three configured zones`, (t) => {
    const zones = resources(stack(env), 'aws_subnet').map((s) => s.availability_zone as string);
    t.deepEqual([...new Set(zones)].sort(), [...config.availabilityZones].sort());
    t.is(zones.length, 2 * config.availabilityZones.length, 'a public and a private subnet per zone');
    for (const pool of ['spot', 'on-demand'] as const) {
      t.is((asg(env, pool).vpc_zone_identifier as string[]).length, config.availabilityZones.length, pool);
    }
  });

  test(`${env}: both EC2 pools weight every instance type by its slots and size the ASG in slots`, (t) => {
    for (const pool of ['spot', 'on-demand'] as const) {
      const group = asg(env, pool);
      const policy = group.mixed_instances_policy as Block;
      const overrides = (policy.launch_template as Block).override as Block[];
      t.deepEqual(
        overrides.map((o) => [o.instance_type, Number(o.weighted_capacity)]),
        config.pools[pool].instanceTypes.map((i) => [i.type, i.slots]),
        pool,
      );
      t.like(group, { min_size: asgSizeInSlots(config.pools[pool]).min, max_size: asgSizeInSlots(config.pools[pool]).max });
      t.true((group.lifecycle as Block).ignore_changes.includes('desired_capacity'), `${pool}: the scaler owns desired capacity`);
    }
  });

  test(`${env}: the Spot pool is all Spot, price-capacity-optimized, rebalancing; the On-Demand pool is all On-Demand`, (t) => {
    const spot = asg(env, 'spot');
    const onDemand = asg(env, 'on-demand');
    const distribution = (group: Block) => (group.mixed_instances_policy as Block).instances_distribution as Block;
    t.like(distribution(spot), { on_demand_base_capacity: 0, on_demand_percentage_above_base_capacity: 0, spot_allocation_strategy: 'price-capacity-optimized' });
    t.like(distribution(onDemand), { on_demand_base_capacity: 0, on_demand_percentage_above_base_capacity: 100 });
    t.true(spot.capacity_rebalance);
    t.false(onDemand.capacity_rebalance);
  });

  test(`${env}: worker launch templates require IMDSv2, boot an arm64 AMI from SSM and encrypt a gp3 root volume`, (t) => {
    const templates = resources(stack(env), 'aws_launch_template');
    t.is(templates.length, 2);
    const amiLookups = Object.values(stack(env).data?.aws_ssm_parameter ?? {});
    t.deepEqual(amiLookups.map((p) => p.name), [ARM64_AMI_PARAMETER, ARM64_AMI_PARAMETER]);
    for (const template of templates) {
      t.like(template.metadata_options, { http_tokens: 'required', http_endpoint: 'enabled' });
      t.regex(template.image_id as string, /data\.aws_ssm_parameter\..+\.value/);
      const [root] = template.block_device_mappings as Block[];
      t.like(root?.ebs, { encrypted: 'true', volume_type: 'gp3', volume_size: config.worker.rootVolumeGiB });
      t.regex(template.user_data as string, /^\$\{base64encode\(/);
    }
  });

  test(`${env}: EC2 workers watch IMDS (Spot notices, scale-in, instance id); Fargate burst workers, which have none, do not`, (t) => {
    const templates = resources(stack(env), 'aws_launch_template');
    t.is(templates.length, 2);
    for (const template of templates) {
      t.like(userDataEnvironment(template), { IMDS_ENDPOINT: 'http://169.254.169.254', AGENTFLEET_ENV: env }, template.name as string);
    }
    for (const pool of ['burst-spot', 'burst-ondemand'] as const) {
      const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', resourceNames(env).pools[pool]);
      const environment = taskEnvironment(definition);
      t.is(environment.WORKER_POOL, pool);
      t.false('IMDS_ENDPOINT' in environment, pool);
    }
  });

  test(`${env}: a terminating worker gets a drain lifecycle hook of the configured length`, (t) => {
    const hooks = resources(stack(env), 'aws_autoscaling_lifecycle_hook');
    t.is(hooks.length, 2);
    for (const hook of hooks) {
      t.like(hook, { lifecycle_transition: 'autoscaling:EC2_INSTANCE_TERMINATING', heartbeat_timeout: config.worker.drainTimeoutSeconds, default_result: 'CONTINUE' });
    }
    // The worker keeps the hook alive while a scale-in drain lasts: a heartbeat well inside the hook's
    // timeout, and a grace within the hook's global timeout (100 heartbeat timeouts, at most 48 h).
    const timeout = config.worker.drainTimeoutSeconds;
    for (const template of resources(stack(env), 'aws_launch_template')) {
      const { LIFECYCLE_HEARTBEAT_SECONDS, SCALE_IN_GRACE_SECONDS } = userDataEnvironment(template);
      const environment = loadConfig({ LIFECYCLE_HEARTBEAT_SECONDS, SCALE_IN_GRACE_SECONDS });
      t.true(environment.LIFECYCLE_HEARTBEAT_SECONDS * 2 <= timeout, `${template.name as string}: heartbeat every ${environment.LIFECYCLE_HEARTBEAT_SECONDS} s, hook timeout ${timeout} s`);
      t.true(environment.SCALE_IN_GRACE_SECONDS <= Math.min(100 * timeout, 48 * 3600), `${template.name as string}: scale-in grace ${environment.SCALE_IN_GRACE_SECONDS} s`);
    }
  });

  test(`${env}: CPU target tracking scales out at the target, a slow step policy scales in below the floor`, (t) => {
    const policies = resources(stack(env), 'aws_autoscaling_policy');
    const tracking = policies.filter((p) => p.policy_type === 'TargetTrackingScaling');
    const stepping = policies.filter((p) => p.policy_type === 'StepScaling');
    t.is(tracking.length, 2);
    t.is(stepping.length, 2);
    for (const policy of tracking) {
      t.like(policy.target_tracking_configuration, {
        target_value: config.scaling.cpu.scaleOutAbovePercent,
        disable_scale_in: true,
        predefined_metric_specification: { predefined_metric_type: 'ASGAverageCPUUtilization' },
      });
    }
    for (const policy of stepping) {
      t.is(policy.adjustment_type, 'PercentChangeInCapacity');
      t.is((policy.step_adjustment as Block[])[0]?.scaling_adjustment, -config.scaling.maxScaleInPercentPerTick);
    }
    const lowCpu = resources(stack(env), 'aws_cloudwatch_metric_alarm').filter((a) => a.metric_name === 'CPUUtilization');
    t.is(lowCpu.length, 2);
    for (const alarm of lowCpu) t.like(alarm, { threshold: config.scaling.cpu.scaleInBelowPercent, comparison_operator: 'LessThanThreshold' });
  });

  test(`${env}: the Fargate burst pools are two services at zero tasks on FARGATE_SPOT and FARGATE, x86_64, 120 s to stop`, (t) => {
    const names = resourceNames(env);
    const providers = resources(stack(env), 'aws_ecs_cluster_capacity_providers');
    t.deepEqual(providers.map((p) => p.capacity_providers), [['FARGATE', 'FARGATE_SPOT']]);
    const expectations = [
      [names.pools['burst-spot'], 'FARGATE_SPOT'],
      [names.pools['burst-ondemand'], 'FARGATE'],
    ] as const;
    for (const [name, provider] of expectations) {
      const service = resourceWhere(stack(env), 'aws_ecs_service', 'name', name);
      t.is(service.desired_count, 0);
      t.deepEqual(service.capacity_provider_strategy, [{ capacity_provider: provider, weight: 1 }]);
      t.deepEqual((service.lifecycle as Block).ignore_changes, ['desired_count']);
      const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', name);
      t.like(definition, {
        cpu: String(config.worker.fargateTask.cpu),
        memory: String(config.worker.fargateTask.memoryMiB),
        runtime_platform: { cpu_architecture: 'X86_64', operating_system_family: 'LINUX' },
      });
      const [container] = JSON.parse(definition.container_definitions as string) as Block[];
      t.is(container?.stopTimeout, 120);
      // An init reaps agents' orphans; the capabilities a root worker does not need are dropped (security.test.ts).
      t.is(container?.linuxParameters?.initProcessEnabled, true);
      t.deepEqual(container?.command, ['worker']);
      const env_ = Object.fromEntries((container?.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      t.like(env_, { QUEUE_DRIVER: 'sqs', AGENTFLEET_ENV: env, WORKER_SLOTS: String(config.worker.fargateTask.slots) });
      t.deepEqual((container?.secrets as Block[]).map((s) => s.name), ['REDIS_URL']);
    }
  });

  test(`${env}: Redis encrypts in transit and at rest, authenticates with a generated token and never evicts run state`, (t) => {
    const [group] = resources(stack(env), 'aws_elasticache_replication_group');
    const replicas = config.runState.replicas;
    t.like(group, {
      engine: config.runState.engine,
      node_type: config.runState.nodeType,
      transit_encryption_enabled: true,
      at_rest_encryption_enabled: 'true',
      num_cache_clusters: replicas + 1,
      automatic_failover_enabled: replicas > 0,
      multi_az_enabled: replicas > 0,
    });
    t.regex(group?.auth_token as string, /aws_secretsmanager_secret_version\..+\.secret_string/);
    const [parameters] = resources(stack(env), 'aws_elasticache_parameter_group');
    t.deepEqual(parameters?.parameter, [{ name: 'maxmemory-policy', value: 'noeviction' }]);
  });

  test(`${env}: the API keeps at least two tasks behind a load balancer spanning every zone`, (t) => {
    const service = resourceWhere(stack(env), 'aws_ecs_service', 'name', resourceNames(env).apiService);
    t.true((service.desired_count as number) >= 2);
    t.like(service.deployment_circuit_breaker, { enable: true, rollback: true });
    const [alb] = resources(stack(env), 'aws_lb');
    t.is((alb?.subnets as string[]).length, config.availabilityZones.length);
    t.true(alb?.drop_invalid_header_fields);
    const listeners = resources(stack(env), 'aws_lb_listener');
    if (config.api.listener === 'https') {
      const https = listeners.find((l) => l.protocol === 'HTTPS');
      t.regex(https?.ssl_policy as string, /TLS13/);
      t.like(listeners.find((l) => l.protocol === 'HTTP')?.default_action, [{ type: 'redirect' }]);
      t.truthy(stack(env).variable?.api_certificate_arn);
    } else {
      t.deepEqual(listeners.map((l) => l.protocol), ['HTTP']);
    }
  });

  test(`${env}: exactly one scaler task, never two at once during a deployment`, (t) => {
    const service = resourceWhere(stack(env), 'aws_ecs_service', 'name', resourceNames(env).scalerService);
    t.like(service, { desired_count: 1, deployment_maximum_percent: 100, deployment_minimum_healthy_percent: 0 });
  });

  test(`${env}: state lives in the environment's own S3 key with native locking; its bootstrap stack creates the bucket`, (t) => {
    t.like(stack(env).terraform.backend.s3, { bucket: config.state.bucket, key: `${env}/terraform.tfstate`, encrypt: true, use_lockfile: true });
    const bootstrap = stack(`${env}-bootstrap`);
    t.truthy(bootstrap.terraform.backend.local);
    const [bucket] = resources(bootstrap, 'aws_s3_bucket');
    t.is(bucket?.bucket, config.state.bucket);
    t.true((bucket?.lifecycle as Block).prevent_destroy);
    t.like(resources(bootstrap, 'aws_s3_bucket_versioning')[0], { versioning_configuration: { status: 'Enabled' } });
    t.like(resources(bootstrap, 'aws_s3_bucket_public_access_block')[0], { block_public_acls: true, restrict_public_buckets: true });
  });

  test(`${env}: the bootstrap stack (not the environment's) outputs the ARNs of its CI roles, for the GitHub environments' variables`, (t) => {
    const bootstrap = stack(`${env}-bootstrap`);
    const roles = bootstrap.resource.aws_iam_role ?? {};
    const kinds = config.ci.pullRequestPlans ? ['plan', 'pr-plan', 'apply', 'prewarm'] : ['plan', 'apply', 'prewarm'];
    for (const kind of kinds) {
      const output = `ci_${kind.replace('-', '_')}_role_arn`;
      const reference = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(bootstrap.output?.[output]?.value as string)?.[1] ?? '';
      t.is(roles[reference]?.name, `${resourceNames(env).prefix}-ci-${kind}`, output);
      t.falsy(stack(env).output?.[output], `${env} itself manages no CI role`);
    }
    t.is(bootstrap.output?.ci_pr_plan_role_arn === undefined, !config.ci.pullRequestPlans);
    t.truthy(bootstrap.output?.permissions_boundary_arn);
  });

  test(`${env}: alarms watch the oldest message, the DLQ and the run error rate, and notify the alerts topic`, (t) => {
    const alarms = resources(stack(env), 'aws_cloudwatch_metric_alarm');
    const oldest = alarms.find((a) => a.metric_name === 'ApproximateAgeOfOldestMessage');
    t.is(oldest?.threshold, config.queue.alarms.oldestMessageAgeSeconds);
    const dlq = alarms.find((a) => a.metric_name === 'ApproximateNumberOfMessagesVisible');
    t.like(dlq, { threshold: config.queue.alarms.deadLetterDepth, dimensions: { QueueName: resourceNames(env).deadLetterQueue } });
    const errorRate = alarms.find((a) => Array.isArray(a.metric_query));
    t.like(errorRate, { threshold: config.worker.breaker.errorRatePercent, evaluation_periods: config.worker.breaker.windowSeconds / 60 });
    for (const alarm of [oldest, dlq, errorRate]) t.regex((alarm?.alarm_actions as string[])[0] ?? '', /aws_sns_topic\.alerts_topic/);
  });

  test(`${env}: every worker publishes run outcomes as EMF lines through the awslogs driver, into the metrics the error-rate alarm reads`, (t) => {
    const errorRate = resources(stack(env), 'aws_cloudwatch_metric_alarm').find((a) => Array.isArray(a.metric_query));
    const read = (errorRate?.metric_query as Block[]).flatMap((q) => (q.metric ? [q.metric as Block] : []));
    t.deepEqual(
      read.map((m) => [m.namespace, m.metric_name, m.dimensions]),
      [RUN_METRICS.failedAttempts, RUN_METRICS.finishedAttempts].map((name) => [RUN_METRICS.namespace, name, { [RUN_METRICS.dimension]: env }]),
    );

    for (const template of resources(stack(env), 'aws_launch_template')) {
      t.like(userDataEnvironment(template), { CLOUDWATCH_METRICS: 'emf', AGENTFLEET_ENV: env });
      t.regex(template.user_data as string, /--log-driver awslogs /);
    }
    for (const pool of ['burst-spot', 'burst-ondemand'] as const) {
      const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', resourceNames(env).pools[pool]);
      t.like(taskEnvironment(definition), { CLOUDWATCH_METRICS: 'emf', AGENTFLEET_ENV: env });
      const [container] = JSON.parse(definition.container_definitions as string) as Block[];
      t.is(container?.logConfiguration?.logDriver, 'awslogs');
    }
    for (const service of [resourceNames(env).apiService, resourceNames(env).scalerService]) {
      const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', service);
      t.false('CLOUDWATCH_METRICS' in taskEnvironment(definition), `${service} runs no attempts`);
    }
  });

  test(`${env}: every worker is told the alerts topic (ALERTS_TOPIC_ARN) for its breaker alerts; the API and scaler are not`, (t) => {
    const topic = /^\$\{aws_sns_topic\.alerts_topic[_A-F0-9]*\.arn\}$/;
    for (const template of resources(stack(env), 'aws_launch_template')) t.regex(userDataEnvironment(template).ALERTS_TOPIC_ARN ?? '', topic);
    for (const pool of ['burst-spot', 'burst-ondemand'] as const) {
      const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', resourceNames(env).pools[pool]);
      t.regex(taskEnvironment(definition).ALERTS_TOPIC_ARN ?? '', topic, pool);
    }
    for (const service of [resourceNames(env).apiService, resourceNames(env).scalerService]) {
      const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', service);
      t.false('ALERTS_TOPIC_ARN' in taskEnvironment(definition), service);
    }
  });

  test(`${env}: the API task reads its limits through AGENTFLEET_ENV and trusts the ALB's X-Forwarded-For entry (one hop)`, (t) => {
    const definition = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', resourceNames(env).apiService);
    t.like(taskEnvironment(definition), { AGENTFLEET_ENV: env, TRUSTED_PROXY_HOPS: '1' });
    const scaler = resourceWhere(stack(env), 'aws_ecs_task_definition', 'family', resourceNames(env).scalerService);
    t.false('TRUSTED_PROXY_HOPS' in taskEnvironment(scaler));
  });

  test(`${env}: a monthly budget alerts on actual and forecast spend`, (t) => {
    const budget = resources(stack(env), 'aws_budgets_budget').find((b) => b.budget_type === 'COST');
    t.is(Number(budget?.limit_amount), config.costGuard.monthlyBudgetUsd);
    const kinds = (budget?.notification as Block[]).map((n) => `${n.notification_type}@${n.threshold}`).sort();
    t.deepEqual(kinds, config.costGuard.alertAtPercent.flatMap((p) => [`ACTUAL@${p}`, `FORECASTED@${p}`]).sort());
  });
}

test('prod: pre-warm schedules set the Spot minimum to 50 instances at 13:00 UTC on weekdays and 20 at 03:00 UTC daily', (t) => {
  const prod = loadEnvironment('prod');
  const order = ['weekday-morning', 'daily-evening'];
  const schedules = resources(stack('prod'), 'aws_autoscaling_schedule').sort(
    (a, b) => order.indexOf(a.scheduled_action_name as string) - order.indexOf(b.scheduled_action_name as string),
  );
  t.deepEqual(
    schedules.map((s) => [s.scheduled_action_name, s.recurrence, s.time_zone, s.min_size, s.max_size, s.desired_capacity]),
    [
      ['weekday-morning', '0 13 * * MON-FRI', 'Etc/UTC', instancesToSlots(prod.pools.spot, 50), -1, -1],
      ['daily-evening', '0 3 * * *', 'Etc/UTC', instancesToSlots(prod.pools.spot, 20), -1, -1],
    ],
  );
  t.deepEqual(schedules.map((s) => s.recurrence), prod.scaling.prewarm.map(prewarmCron));
  t.true((asg('prod', 'spot').lifecycle as Block).ignore_changes.includes('min_size'), 'Terraform leaves the scheduled minimum alone');
});

test('prod: each EC2 ASG holds its pool\'s instances × the slots of the nominal type, in the deployed agents\' footprint', (t) => {
  const prod = loadEnvironment('prod');
  for (const pool of ['spot', 'on-demand'] as const) {
    const perInstance = slotsOn(GRAVITON_SHAPES[prod.pools[pool].nominalInstanceType as GravitonType], prod.worker.run);
    t.like(asg('prod', pool), { min_size: prod.pools[pool].min * perInstance, max_size: prod.pools[pool].max * perInstance }, pool);
  }
});

test('prod: Savings Plans coverage below 80 % raises an alert', (t) => {
  const coverage = resources(stack('prod'), 'aws_budgets_budget').find((b) => b.budget_type === 'SAVINGS_PLANS_COVERAGE');
  t.like(coverage, { limit_amount: '100', limit_unit: 'PERCENTAGE' });
  t.like((coverage?.notification as Block[])[0], { comparison_operator: 'LESS_THAN', threshold: 80 });
});

test('prod: a NAT gateway per zone and interface endpoints keep worker traffic off the NAT where that is cheaper', (t) => {
  t.is(resources(stack('prod'), 'aws_nat_gateway').length, 3);
  const endpoints = resources(stack('prod'), 'aws_vpc_endpoint').map((e) => `${e.vpc_endpoint_type}:${(e.service_name as string).split('.').slice(3).join('.')}`);
  t.deepEqual(endpoints.sort(), ['Gateway:s3', 'Interface:ecr.api', 'Interface:ecr.dkr', 'Interface:logs', 'Interface:secretsmanager', 'Interface:sqs']);
});

test('dev: one NAT gateway and only the free S3 gateway endpoint', (t) => {
  t.is(resources(stack('dev'), 'aws_nat_gateway').length, 1);
  t.deepEqual(resources(stack('dev'), 'aws_vpc_endpoint').map((e) => e.vpc_endpoint_type), ['Gateway']);
});
