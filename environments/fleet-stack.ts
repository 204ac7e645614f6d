import type { Construct } from 'constructs';
import { Aspects, LocalBackend, S3Backend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity/index.js';
import { DataAwsPartition } from '@cdktf/provider-aws/lib/data-aws-partition/index.js';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret/index.js';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { Alerts } from '../modules/alerts/index.js';
import { ApiService } from '../modules/api-service/index.js';
import { CostGuard } from '../modules/cost-guard/index.js';
import { Ecr } from '../modules/ecr/index.js';
import { FargateBurst } from '../modules/fargate-burst/index.js';
import type { AwsContext } from '../modules/lib/aws-context.js';
import type { ContainerSpec } from '../modules/lib/container.js';
import type { PolicyStatement } from '../modules/lib/iam.js';
import { PermissionsBoundaryAspect, boundaryArn, workloadBoundaryName } from '../modules/lib/permissions-boundary.js';
import { Network } from '../modules/network/index.js';
import { Queue } from '../modules/queue/index.js';
import { RunState } from '../modules/run-state/index.js';
import { ScalerService } from '../modules/scaler-service/index.js';
import { WorkerPool } from '../modules/worker-pool/index.js';
import { EC2_POOL_NAMES, FARGATE_MAX_STOP_TIMEOUT_SECONDS, asgSizeInSlots, instancesToSlots, prewarmCron, type EnvironmentConfig } from './config.js';
import { emulatorProviderSettings, type EmulatorTarget } from './emulator.js';
import { RUN_METRICS, resourceNames } from './names.js';
import { workerEnvironment } from './worker-environment.js';

const LOG_RETENTION_DAYS = 30;
/** Tags on every resource; `Environment` is also the cost allocation tag the budget filters on. */
const COST_ALLOCATION_TAG = 'Environment';

export interface FleetStackOptions {
  /** Keep Terraform state in this local file instead of the environment's S3 bucket (tests, emulators). */
  localStatePath?: string;
  /** Target an AWS emulator (moto_server) instead of AWS, leaving out what it cannot create (EMULATOR_LEAVES_OUT). */
  emulator?: EmulatorTarget;
}

/**
 * The tags the provider puts on every resource of an environment (`default_tags`): what the CI
 * roles' tag conditions recognise as this environment's.
 */
export function ownTags(config: EnvironmentConfig): Record<string, string> {
  return { Project: 'agentfleet', [COST_ALLOCATION_TAG]: config.name, ManagedBy: 'cdktf' };
}

/** Where each environment's state lives in its bucket. */
export function stateKey(config: EnvironmentConfig): string {
  return `${config.name}/terraform.tfstate`;
}

/**
 * One environment: network, queue, run state, the four worker pools, API, scaler, cost guard and
 * alerts, all sized from the environment's config. CI access and the permissions boundary live in
 * the environment's bootstrap stack, out of the apply role's reach. The image tag and (for HTTPS) the API's
 * certificate are Terraform variables, so deploying a new image needs no new synth.
 */
export class FleetStack extends TerraformStack {
  constructor(scope: Construct, id: string, config: EnvironmentConfig, options: FleetStackOptions = {}) {
    super(scope, id);
    const names = resourceNames(config.name);
    const { emulator } = options;

    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: ownTags(config) }],
      ...(emulator ? emulatorProviderSettings(emulator.endpoint) : {}),
    });
    if (options.localStatePath) {
      new LocalBackend(this, { path: options.localStatePath });
    } else {
      const backend = new S3Backend(this, { bucket: config.state.bucket, key: stateKey(config), region: config.region, encrypt: true });
      // Native S3 locking (Terraform ≥ 1.10) writes `<key>.tflock` next to the state; no DynamoDB table.
      backend.addOverride('use_lockfile', true);
    }

    const account = new DataAwsCallerIdentity(this, 'account');
    const partition = new DataAwsPartition(this, 'partition');
    const aws: AwsContext = { partition: partition.partition, region: config.region, accountId: account.accountId };
    // Every role carries the boundary the bootstrap stack creates; the apply role can create no other kind.
    Aspects.of(this).add(new PermissionsBoundaryAspect(boundaryArn(aws, workloadBoundaryName(names.prefix))));

    const imageTag = new TerraformVariable(this, 'image_tag', {
      type: 'string',
      default: config.worker.imageTag,
      description: 'Tag of the agentfleet image in this environment\'s ECR repository',
    });

    const alerts = new Alerts(this, 'alerts', {
      name: `${names.prefix}-alerts`,
      accountId: aws.accountId,
      environment: config.name,
      subscribers: config.alerts.subscribers,
      partition: aws.partition,
      errorRatePercent: config.worker.breaker.errorRatePercent,
      windowSeconds: config.worker.breaker.windowSeconds,
      metrics: RUN_METRICS,
    });
    const network = new Network(this, 'network', {
      name: names.prefix,
      region: config.region,
      cidr: config.network.cidr,
      availabilityZones: config.availabilityZones,
      natGateways: config.network.natGateways,
      interfaceEndpoints: config.network.interfaceEndpoints,
    });
    const queue = new Queue(this, 'queue', {
      name: names.queue,
      highPriorityName: names.highPriorityQueue,
      deadLetterName: names.deadLetterQueue,
      retentionSeconds: config.queue.retentionSeconds,
      visibilityTimeoutSeconds: config.queue.visibilityTimeoutSeconds,
      maxReceiveCount: config.queue.maxReceiveCount,
      receiveWaitSeconds: config.queue.receiveWaitSeconds,
      deadLetterRetentionSeconds: config.queue.deadLetterRetentionSeconds,
      alarms: { ...config.queue.alarms, topicArn: alerts.topicArn },
    });
    const ecr = new Ecr(this, 'ecr', { name: names.prefix, keepImages: 50, retainImagesOnDestroy: config.retainDataOnDestroy });

    const workerSg = new SecurityGroup(this, 'worker-sg', {
      name: `${names.prefix}-workers`,
      description: 'agentfleet workers (EC2 and Fargate): no inbound, any outbound (agents call external APIs)',
      vpcId: network.vpcId,
      tags: { Name: `${names.prefix}-workers` },
    });
    new VpcSecurityGroupEgressRule(this, 'worker-sg-out', {
      securityGroupId: workerSg.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'agents, Redis, SQS and AWS APIs',
    });

    let runState: RunState | undefined;
    let redisUrlSecretArn: string;
    if (emulator) {
      redisUrlSecretArn = this.externalRedisSecret(names.prefix, emulator.redisUrl);
    } else {
      runState = new RunState(this, 'run-state', {
        name: `${names.prefix}-state`,
        vpcId: network.vpcId,
        subnetIds: network.privateSubnetIds,
        availabilityZones: config.availabilityZones,
        engine: config.runState.engine,
        engineVersion: config.runState.engineVersion,
        nodeType: config.runState.nodeType,
        replicas: config.runState.replicas,
        snapshotRetentionDays: config.runState.snapshotRetentionDays,
        retainOnDestroy: config.retainDataOnDestroy,
      });
      redisUrlSecretArn = runState.urlSecretArn;
    }

    const logGroup = (component: keyof typeof names.logGroups): CloudwatchLogGroup =>
      new CloudwatchLogGroup(this, `logs-${component}`, { name: names.logGroups[component], retentionInDays: LOG_RETENTION_DAYS });
    const container = (component: keyof typeof names.logGroups, environment: Record<string, string> = {}): ContainerSpec => {
      const group = logGroup(component);
      return {
        image: `${ecr.repositoryUrl}:${imageTag.stringValue}`,
        imageRepositoryArn: ecr.repositoryArn,
        command: [component],
        environment: {
          AGENTFLEET_ENV: config.name,
          AWS_REGION: config.region,
          QUEUE_DRIVER: 'sqs',
          SQS_QUEUE_URL: queue.url,
          SQS_DLQ_URL: queue.deadLetterUrl,
          SQS_HIGH_PRIORITY_QUEUE_URL: queue.highPriorityUrl,
          LOG_LEVEL: 'info',
          ...environment,
        },
        secrets: { REDIS_URL: redisUrlSecretArn },
        logGroupName: group.name,
        logGroupArn: group.arn,
      };
    };
    const queueArns = [queue.arn, queue.highPriorityArn, queue.deadLetterArn];
    // Run metrics reach CloudWatch through the worker's log lines (EMF), so no PutMetricData permission.
    const workerPermissions: PolicyStatement[] = [
      {
        sid: 'ConsumeRuns',
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
        resources: queueArns,
      },
      ...alerts.publisherStatements(),
    ];

    // The worker's breaker, drain and heartbeat timings, the same for EC2 and Fargate workers.
    const workerBase = container('worker', workerEnvironment(config));
    // EC2 and Fargate workers both log through the awslogs driver, which turns these lines into the
    // metrics of the error-rate alarm.
    const workerContainer: ContainerSpec = { ...workerBase, environment: { ...workerBase.environment, CLOUDWATCH_METRICS: 'emf', ALERTS_TOPIC_ARN: alerts.topicArn } };
    for (const poolName of EC2_POOL_NAMES) {
      const pool = config.pools[poolName];
      const size = asgSizeInSlots(pool);
      const workerPool = new WorkerPool(this, `pool-${poolName}`, {
        name: names.pools[poolName],
        market: poolName === 'spot' ? 'spot' : 'on-demand',
        instanceTypes: pool.instanceTypes,
        minSlots: size.min,
        maxSlots: size.max,
        subnetIds: network.privateSubnetIds,
        securityGroupIds: [workerSg.id],
        rootVolumeGiB: config.worker.rootVolumeGiB,
        container: workerContainer,
        permissions: workerPermissions,
        environment: { WORKER_POOL: poolName },
        drainTimeoutSeconds: config.worker.drainTimeoutSeconds,
        schedules: config.scaling.prewarm
          .filter((schedule) => schedule.pools.includes(poolName))
          .map((schedule) => ({ name: schedule.name, recurrence: prewarmCron(schedule), minSlots: instancesToSlots(pool, schedule.minInstances) })),
        cpu: {
          scaleOutAbovePercent: config.scaling.cpu.scaleOutAbovePercent,
          scaleInBelowPercent: config.scaling.cpu.scaleInBelowPercent,
          scaleInAfterSeconds: config.scaling.cpu.scaleInAfterSeconds,
          scaleInPercent: config.scaling.maxScaleInPercentPerTick,
        },
        aws,
        tags: ownTags(config),
      });
      new TerraformOutput(this, `asg_${poolName.replace('-', '_')}`, { value: workerPool.asgName });
    }

    const burst = new FargateBurst(this, 'burst', {
      clusterName: names.cluster,
      spotService: { name: names.pools['burst-spot'], pool: 'burst-spot' },
      onDemandService: { name: names.pools['burst-ondemand'], pool: 'burst-ondemand' },
      subnetIds: network.privateSubnetIds,
      securityGroupIds: [workerSg.id],
      task: config.worker.fargateTask,
      stopTimeoutSeconds: FARGATE_MAX_STOP_TIMEOUT_SECONDS,
      container: workerContainer,
      permissions: workerPermissions,
      aws,
    });

    const certificate =
      config.api.listener === 'https'
        ? new TerraformVariable(this, 'api_certificate_arn', { type: 'string', description: 'ACM certificate for the API load balancer (HTTPS)' })
        : undefined;
    const apiBase = container('api');
    // The ALB appends the client's address to X-Forwarded-For: per-address limits key on it.
    const apiContainer: ContainerSpec = { ...apiBase, environment: { ...apiBase.environment, TRUSTED_PROXY_HOPS: '1' } };
    const api = new ApiService(this, 'api', {
      name: names.apiService,
      clusterArn: burst.clusterArn,
      clusterName: names.cluster,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      minTasks: config.api.minTasks,
      maxTasks: config.api.maxTasks,
      task: config.api.task,
      container: apiContainer,
      permissions: [
        // GET /v1/queue reports the DLQ's depth too; runs go only to the runs queue.
        { sid: 'SubmitRuns', actions: ['sqs:SendMessage'], resources: [queue.arn] },
        { sid: 'ReadDepth', actions: ['sqs:GetQueueAttributes'], resources: queueArns },
      ],
      listener: certificate ? { protocol: 'https', certificateArn: certificate.stringValue } : { protocol: 'http' },
      allowedCidrs: config.api.allowedCidrs,
      ...(config.api.edge ? { edge: config.api.edge } : {}),
      cpuTargetPercent: emulator ? undefined : config.scaling.cpu.scaleOutAbovePercent,
      aws,
    });

    const scaler = new ScalerService(this, 'scaler', {
      name: names.scalerService,
      clusterArn: burst.clusterArn,
      clusterName: names.cluster,
      vpcId: network.vpcId,
      subnetIds: network.privateSubnetIds,
      task: config.scaler.task,
      container: container('scaler'),
      controls: {
        asgNames: EC2_POOL_NAMES.map((poolName) => names.pools[poolName]),
        ecsServiceNames: [names.pools['burst-spot'], names.pools['burst-ondemand']],
        queueArns,
      },
      aws,
    });

    if (runState) {
      runState.allowClient('workers', workerSg.id);
      runState.allowClient('api', api.securityGroupId);
      runState.allowClient('scaler', scaler.securityGroupId);
    }

    if (!emulator) {
      new CostGuard(this, 'cost-guard', {
        name: names.prefix,
        monthlyBudgetUsd: config.costGuard.monthlyBudgetUsd,
        alertAtPercent: config.costGuard.alertAtPercent,
        savingsPlansCoverageTargetPercent: config.costGuard.savingsPlansCoverageTargetPercent,
        costAllocationTag: { key: COST_ALLOCATION_TAG, value: config.name },
        topicArn: alerts.topicArn,
        accountId: aws.accountId,
      });
    }

    const outputs = {
      api_url: api.url,
      queue_url: queue.url,
      high_priority_queue_url: queue.highPriorityUrl,
      dead_letter_queue_url: queue.deadLetterUrl,
      ecr_repository_url: ecr.repositoryUrl,
      ecs_cluster: burst.clusterName,
      alerts_topic_arn: alerts.topicArn,
      redis_url_secret_arn: redisUrlSecretArn,
    };
    for (const [name, value] of Object.entries(outputs)) new TerraformOutput(this, name, { value });
  }

  /** REDIS_URL for a Redis this stack does not manage (an emulator's, or one you run elsewhere). */
  private externalRedisSecret(prefix: string, url: string): string {
    const secret = new SecretsmanagerSecret(this, 'external-redis-url', { name: `${prefix}-state-url`, recoveryWindowInDays: 0 });
    new SecretsmanagerSecretVersion(this, 'external-redis-url-value', { secretId: secret.id, secretString: url });
    return secret.arn;
  }
}
