import { z } from 'zod';
import { MAX_VISIBILITY_SECONDS } from '../services/core/queue/limits.js';
import { LIFECYCLE_HOOK_MAX_SECONDS, TASK_PROTECTION_MAX_MINUTES } from '../services/core/worker-defaults.js';
import { CronExpressionError, toFiveFieldCron } from './cron.js';
import { pricingSchema } from './pricing.js';

/**
 * `EnvironmentConfig`: everything that differs between dev, staging and prod, in one typed object.
 * The CDKTF stack (environments/main.ts) builds the infrastructure from it and the scaler decides
 * capacity from the same object at run time, so a number lives in exactly one place.
 *
 * Units are in the field names (`Seconds`, `Usd`, `MiB`, `Percent`). Capacity is counted in three
 * units, never mixed:
 * - slots: concurrent agent runs (what the queue needs);
 * - instances: EC2 instances of the pool's `nominalInstanceType` (the brief's "instances"); an ASG
 *   counts capacity in slots (weighted capacity = slots), so `min`/`max` become ASG sizes through
 *   {@link asgSizeInSlots};
 * - tasks: Fargate tasks, each holding `worker.fargateTask.slots` slots.
 */

export const ENVIRONMENT_NAMES = ['dev', 'staging', 'prod'] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

export const POOL_NAMES = ['spot', 'on-demand', 'burst-spot', 'burst-ondemand'] as const;
export type PoolName = (typeof POOL_NAMES)[number];
export const EC2_POOL_NAMES = ['spot', 'on-demand'] as const satisfies readonly PoolName[];
export type Ec2PoolName = (typeof EC2_POOL_NAMES)[number];
export const FARGATE_POOL_NAMES = ['burst-spot', 'burst-ondemand'] as const satisfies readonly PoolName[];
export type FargatePoolName = (typeof FARGATE_POOL_NAMES)[number];

const count = z.number().int().nonnegative();
const positiveInt = z.number().int().positive();
const seconds = z.number().int().positive();
const usd = z.number().nonnegative();
const percent = z.number().positive().max(100);
const fraction = z.number().min(0).max(1);

const instanceTypeName = z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, 'expected an EC2 instance type such as c6g.2xlarge');

const weightedInstanceType = z.object({
  type: instanceTypeName,
  /** Concurrent runs one instance of this type holds; also its weighted capacity in the ASG. */
  slots: positiveInt,
});
export type WeightedInstanceType = z.infer<typeof weightedInstanceType>;

const ec2Pool = z
  .object({
    kind: z.literal('ec2-asg'),
    /** Fewest instances (of the nominal type) the pool keeps. */
    min: count,
    /** Most instances (of the nominal type) the pool may grow to. */
    max: positiveInt,
    /**
     * Types the ASG may launch; more types mean deeper Spot pools and fewer interruptions. Graviton
     * (arm64) only: the launch template uses one arm64 AMI.
     */
    instanceTypes: z.array(weightedInstanceType).min(1),
    /** The type the brief's instance counts refer to (e.g. c6g.2xlarge); converts instances ↔ slots. */
    nominalInstanceType: instanceTypeName,
  })
  .superRefine((pool, ctx) => {
    if (pool.min > pool.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${pool.min} exceeds max ${pool.max}` });
    const types = pool.instanceTypes.map((t) => t.type);
    const duplicate = types.find((type, i) => types.indexOf(type) !== i);
    if (duplicate) ctx.addIssue({ code: 'custom', path: ['instanceTypes'], message: `${duplicate} is listed twice` });
    if (!types.includes(pool.nominalInstanceType)) {
      ctx.addIssue({ code: 'custom', path: ['nominalInstanceType'], message: `${pool.nominalInstanceType} is not one of instanceTypes` });
    }
  });
export type Ec2PoolConfig = z.infer<typeof ec2Pool>;

const fargatePool = z
  .object({
    kind: z.literal('fargate'),
    /** Fewest tasks; the ECS service is created at this desired count. */
    min: count,
    /** Most tasks of this service. */
    max: count,
  })
  .superRefine((pool, ctx) => {
    if (pool.min > pool.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${pool.min} exceeds max ${pool.max}` });
  });
export type FargatePoolConfig = z.infer<typeof fargatePool>;

export type PoolConfig = Ec2PoolConfig | FargatePoolConfig;

/**
 * The pools by name. `spot` runs EC2 Spot only, `on-demand` EC2 On-Demand only (both Graviton ASGs
 * with a mixed-instances policy); `burst-spot` is an ECS service on FARGATE_SPOT and `burst-ondemand`
 * one on FARGATE (x86_64). Fargate does not fall back from Spot by itself; the scaler moves the
 * shortfall (see `scaling.burst`).
 */
const pools = z.object({
  spot: ec2Pool,
  'on-demand': ec2Pool,
  'burst-spot': fargatePool,
  'burst-ondemand': fargatePool,
});

/** Shares of total capacity (in slots) the scaler aims for; they sum to 1. The brief: 70/20/10. */
const capacitySplit = z
  .object({ spot: fraction, 'on-demand': fraction, burst: fraction })
  .refine((split) => Math.abs(split.spot + split['on-demand'] + split.burst - 1) < 1e-9, {
    message: 'spot + on-demand + burst must add up to 1',
  });

const stepRule = z.object({
  /** The rule fires when ApproximateNumberOfMessagesVisible is above this. */
  visibleAbove: count,
  /** Instances (of the nominal type) to add when it fires. */
  addInstances: positiveInt,
  /** Also open the Fargate burst pools. */
  enableBurst: z.boolean().default(false),
});
export type StepRule = z.infer<typeof stepRule>;

/** The brief's AWS cron form, e.g. `cron(0 13 ? * MON-FRI *)`; always evaluated in UTC. */
const awsCron = z.string().superRefine((expression, ctx) => {
  try {
    toFiveFieldCron(expression);
  } catch (error) {
    if (!(error instanceof CronExpressionError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
});

const prewarmSchedule = z.object({
  /** Names the ASG scheduled action (`[a-z0-9-]`). */
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'lowercase letters, digits and -'),
  /** When the floor takes effect; convert with {@link prewarmCron} for croner or an ASG recurrence. */
  schedule: awsCron,
  /** From then on, each listed pool keeps at least this many instances (of its nominal type). */
  minInstances: count,
  pools: z.array(z.enum(EC2_POOL_NAMES)).min(1),
});
export type PrewarmSchedule = z.infer<typeof prewarmSchedule>;

const scaling = z
  .object({
    /** `step`: the brief's rules exactly; `backlog`: desired slots = ceil((visible + inFlight) / targetBacklogPerSlot). */
    policy: z.enum(['step', 'backlog']),
    /** How often the scaler decides. */
    tickSeconds: seconds,
    step: z.object({
      /** Ascending by `visibleAbove`; the highest rule that fires applies. */
      rules: z.array(stepRule).min(1),
    }),
    backlog: z.object({
      /** Messages (visible + in flight) each slot should have; 1 means one slot per queued or running run. */
      targetBacklogPerSlot: z.number().positive(),
    }),
    /** After scaling out, wait this long before scaling out again. */
    scaleOutCooldownSeconds: seconds,
    /**
     * After a pool scales out (by the scaler, a pre-warm floor or the CPU policy), wait this long before
     * scaling it in; from then on each tick removes at most `maxScaleInPercentPerTick`.
     */
    scaleInCooldownSeconds: seconds,
    /** Slow scale-in: one tick removes at most this share of a pool's current capacity (at least one unit). */
    maxScaleInPercentPerTick: percent,
    burst: z.object({
      /** Cap on burst-spot + burst-ondemand tasks together (the brief: 200). */
      maxTotalTasks: count,
      /** A FARGATE_SPOT task not RUNNING after this long is replaced by one on burst-ondemand. */
      moveToOnDemandAfterSeconds: seconds,
    }),
    /** Pre-warm floors, applied by ASG scheduled actions and honoured by the scaler. */
    prewarm: z.array(prewarmSchedule),
    /** The CPU safety net on the EC2 pools (target tracking out, slow step in). */
    cpu: z
      .object({
        scaleOutAbovePercent: percent,
        scaleInBelowPercent: percent,
        /** CPU must stay below `scaleInBelowPercent` this long before an instance is removed. */
        scaleInAfterSeconds: seconds,
      })
      .refine((cpu) => cpu.scaleInBelowPercent < cpu.scaleOutAbovePercent, {
        message: 'scaleInBelowPercent must be below scaleOutAbovePercent',
        path: ['scaleInBelowPercent'],
      }),
  })
  .superRefine((value, ctx) => {
    value.step.rules.forEach((rule, i) => {
      const previous = value.step.rules[i - 1];
      if (previous && rule.visibleAbove <= previous.visibleAbove) {
        ctx.addIssue({ code: 'custom', path: ['step', 'rules', i, 'visibleAbove'], message: 'rules must ascend by visibleAbove' });
      }
    });
    const names = value.prewarm.map((p) => p.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: 'custom', path: ['prewarm', i, 'name'], message: `"${name}" is used twice` });
    });
  });

const queue = z
  .object({
    /** How long an unreceived message is kept (SQS: 60 s – 14 days). */
    retentionSeconds: z.number().int().min(60).max(1_209_600),
    /**
     * The queue's own invisibility after a receive (SQS: ≤ 12 h): the backstop for a receive that names
     * none. Workers receive with `worker.heartbeat.visibilitySeconds` and extend it while a run runs.
     */
    visibilityTimeoutSeconds: z.number().int().min(0).max(MAX_VISIBILITY_SECONDS),
    /** Receives before SQS moves a message to the DLQ (crash loops; workers dead-letter poison themselves). */
    maxReceiveCount: z.number().int().min(1).max(1000),
    /** Long-poll wait of a receive (SQS: ≤ 20). */
    receiveWaitSeconds: z.number().int().min(0).max(20),
    deadLetterRetentionSeconds: z.number().int().min(60).max(1_209_600),
    alarms: z.object({
      /** Alarm when the oldest visible message is older than this: runs are waiting too long. */
      oldestMessageAgeSeconds: seconds,
      /** Alarm when the DLQ holds at least this many messages. */
      deadLetterDepth: positiveInt,
    }),
  })
  .refine((q) => q.deadLetterRetentionSeconds >= q.retentionSeconds, {
    message: 'the DLQ must keep messages at least as long as the queue (SQS keeps the original enqueue time)',
    path: ['deadLetterRetentionSeconds'],
  });

const fargateCpu = z.union([z.literal(256), z.literal(512), z.literal(1024), z.literal(2048), z.literal(4096), z.literal(8192), z.literal(16384)]);

/** Fargate's ceiling on the time between SIGTERM and SIGKILL (ECS `stopTimeout`); burst workers get all of it. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;

const fargateTask = z.object({
  /** CPU units (1024 = 1 vCPU). */
  cpu: fargateCpu,
  memoryMiB: positiveInt,
});

/** The warning EC2 gives before it reclaims a Spot instance. */
const SPOT_NOTICE_SECONDS = 120;

/**
 * The worker process's timings, written into every worker's environment by the stack
 * (environments/worker-environment.ts). Every environment starts from the worker's production
 * defaults (services/core/worker-defaults.ts).
 */
const worker = z
  .object({
    /** Tag of the agentfleet image in the environment's ECR repository (overridable at apply time). */
    imageTag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'a Docker image tag'),
    /** What one agent run needs; the environment files derive every `slots` value from it. */
    run: z.object({ vcpu: z.number().positive(), memoryGiB: z.number().positive() }),
    /** One burst task (x86_64: Fargate Spot runs only x86_64). */
    fargateTask: fargateTask.extend({ slots: positiveInt }),
    /**
     * The termination lifecycle hook's heartbeat timeout: without a heartbeat from the draining worker,
     * the ASG terminates the instance this long after scale-in began. Also Docker's stop timeout on EC2.
     */
    drainTimeoutSeconds: z.number().int().min(30).max(7200),
    rootVolumeGiB: z.number().int().min(8).max(1024),
    /** Circuit breaker (BREAKER_*): stop taking runs when too many attempts fail. Also the error-rate alarm. */
    breaker: z.object({
      /** Open when more than this share of the window's attempts failed. */
      errorRatePercent: percent,
      /** Each agent's breaker (AGENT_BREAKER_ERROR_PERCENT) opens above this share of its own attempts failing. */
      agentErrorRatePercent: percent,
      /** The rolling window the rate is taken over. */
      windowSeconds: seconds,
      /** Fewer attempts than this in the window never open the breaker (a few failures are no rate). */
      minAttempts: positiveInt,
      /** Stay open this long, then let a probe through (half-open). */
      cooldownSeconds: seconds,
    }),
    /** How a worker leaves without cutting runs short. */
    drain: z.object({
      /** SIGTERM or a Spot notice: how long running runs may take to finish before they are handed back (SHUTDOWN_GRACE_SECONDS). */
      shutdownGraceSeconds: seconds,
      /** ASG scale-in (lifecycle hook): how long running runs may take to finish before they are handed back (SCALE_IN_GRACE_SECONDS). */
      scaleInGraceSeconds: seconds,
      /** While draining for the hook, the worker records a lifecycle action heartbeat this often (LIFECYCLE_HEARTBEAT_SECONDS). */
      lifecycleHeartbeatSeconds: seconds,
      /** A Spot drain ends this long before the instance is reclaimed, leaving time to interrupt and hand back (SPOT_DRAIN_MARGIN_SECONDS). */
      spotDrainMarginSeconds: seconds,
    }),
    /** What a running run holds and the worker's heartbeat renews; a dead worker's runs are retaken when they lapse. */
    heartbeat: z.object({
      /** The attempt's lease in Redis, renewed every third of it (LEASE_SECONDS). */
      leaseSeconds: z.number().int().min(3),
      /** The queue message's visibility (BullMQ lock) on receive, extended while the run runs (VISIBILITY_SECONDS; SQS: ≤ 12 h). */
      visibilitySeconds: z.number().int().positive().max(MAX_VISIBILITY_SECONDS),
    }),
    /** Fargate: the ECS scale-in protection a busy task holds, renewed before it expires (TASK_PROTECTION_MINUTES; ECS: ≤ 2,880). */
    taskProtectionMinutes: z.number().int().min(1).max(TASK_PROTECTION_MAX_MINUTES),
  })
  .superRefine((w, ctx) => {
    const issue = (path: (string | number)[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (w.drain.lifecycleHeartbeatSeconds * 2 > w.drainTimeoutSeconds) {
      issue(['drain', 'lifecycleHeartbeatSeconds'], `at most half of drainTimeoutSeconds (${w.drainTimeoutSeconds}), so one lost heartbeat does not end the drain`);
    }
    const hookLimit = Math.min(100 * w.drainTimeoutSeconds, LIFECYCLE_HOOK_MAX_SECONDS);
    if (w.drain.scaleInGraceSeconds > hookLimit) {
      issue(['drain', 'scaleInGraceSeconds'], `exceeds the lifecycle hook's global timeout (${hookLimit} s: 100 × drainTimeoutSeconds, at most 48 h)`);
    }
    if (w.drain.shutdownGraceSeconds >= FARGATE_MAX_STOP_TIMEOUT_SECONDS) {
      issue(['drain', 'shutdownGraceSeconds'], `must end before Fargate kills the task ${FARGATE_MAX_STOP_TIMEOUT_SECONDS} s after SIGTERM, with time left to hand runs back`);
    }
    if (w.drain.shutdownGraceSeconds >= w.drainTimeoutSeconds) {
      issue(['drain', 'shutdownGraceSeconds'], `must end before Docker kills the EC2 worker drainTimeoutSeconds (${w.drainTimeoutSeconds}) after SIGTERM`);
    }
    if (w.drain.spotDrainMarginSeconds >= SPOT_NOTICE_SECONDS) {
      issue(['drain', 'spotDrainMarginSeconds'], `must be shorter than the ${SPOT_NOTICE_SECONDS} s Spot notice`);
    }
    if (w.heartbeat.visibilitySeconds < w.heartbeat.leaseSeconds) {
      issue(['heartbeat', 'visibilitySeconds'], `below leaseSeconds (${w.heartbeat.leaseSeconds}): a dead worker's message would reappear while its lease still holds the run`);
    }
  });

const network = z.object({
  /** VPC CIDR, /16 to /20; subnets are carved from it per AZ. */
  cidr: z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/(1[6-9]|20)$/, 'an IPv4 CIDR from /16 to /20'),
  /** `one-per-az` survives an AZ outage; `single` costs one NAT gateway instead of three. */
  natGateways: z.enum(['single', 'one-per-az']),
  /** Interface endpoints for SQS, ECR, CloudWatch Logs and Secrets Manager (S3 always uses a free gateway endpoint). */
  interfaceEndpoints: z.boolean(),
});

const runState = z.object({
  engine: z.enum(['valkey', 'redis']),
  engineVersion: z.string().regex(/^\d+\.\d+$/, 'major.minor, e.g. 8.0'),
  nodeType: z.string().regex(/^cache\.[a-z0-9]+\.[a-z0-9]+$/, 'an ElastiCache node type such as cache.r7g.large'),
  /** Read replicas beside the primary; ≥ 1 turns on Multi-AZ automatic failover. */
  replicas: z.number().int().min(0).max(5),
  snapshotRetentionDays: z.number().int().min(0).max(35),
});

const api = z.object({
  /** The API runs on Fargate behind an ALB, spread over the AZs; never fewer than 2 tasks. */
  minTasks: z.number().int().min(2),
  maxTasks: positiveInt,
  task: fargateTask,
  /** `https` needs the ACM certificate ARN as the Terraform variable `api_certificate_arn`. */
  listener: z.enum(['http', 'https']),
  /** Who may reach the load balancer. */
  allowedCidrs: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, 'an IPv4 CIDR')).min(1),
  /**
   * A hardened edge: AWS WAF (AWS managed common rules and a per-client-IP rate limit), access logs to
   * an encrypted bucket, deletion protection. Required in prod; absent: none of them (cost).
   */
  edge: z
    .object({
      /** Requests one client IP may make in any 5 minutes before WAF blocks it (AWS: 10 – 2,000,000,000). */
      rateLimitPerIpPer5Minutes: z.number().int().min(10).max(2_000_000_000),
      accessLogRetentionDays: z.number().int().min(1).max(3650),
    })
    .optional(),
  /** Enforced by every API process together (counted in Redis); `agentfleet api` reads them through AGENTFLEET_ENV. */
  limits: z.object({
    /** Requests per tenant per window; past it 429 with Retry-After. */
    tenantRequests: z.object({ limit: positiveInt, windowSeconds: seconds }),
    /** Runs a tenant may have waiting to start at once; a submit past it is 429. */
    queuedRunsPerTenant: positiveInt,
    /** Requests with an invalid API key per client address per window; past it the address gets 429 until the window ends. */
    failedAuths: z.object({ limit: positiveInt, windowSeconds: seconds }),
  }),
}).refine((a) => a.maxTasks >= a.minTasks, { message: 'maxTasks must be at least minTasks', path: ['maxTasks'] });

const plan = z.object({
  name: z.string().min(1),
  /** The load the plan is for; `max` absent means "min and up" (the brief's "10k+"). */
  concurrency: z.object({ min: positiveInt, max: positiveInt.optional() }),
  /** Capacity per pool: instances (of the nominal type) for EC2 pools, tasks for Fargate pools. */
  capacity: z.object({ spot: count, 'on-demand': count, 'burst-spot': count, 'burst-ondemand': count }),
  /** The monthly cost the plan's author stated, kept to compare with the cost model. */
  statedMonthlyCostUsd: usd.optional(),
});
export type CapacityPlan = z.infer<typeof plan>;

const costGuard = z.object({
  monthlyBudgetUsd: z.number().positive(),
  /** Notify at these shares of the budget (actual and forecast). */
  alertAtPercent: z.array(z.number().positive().max(1000)).min(1),
  /** Alert when Savings Plans cover less than this share of eligible spend; absent: no coverage budget. */
  savingsPlansCoverageTargetPercent: percent.optional(),
});

const ci = z.object({
  /** `owner/name` of the GitHub repository whose workflows may assume the CI roles. */
  githubRepository: z.string().regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, 'owner/name'),
  /** The GitHub environment whose deployment jobs may assume the apply role. */
  githubEnvironment: z.string().min(1),
  /** The GitHub OIDC provider is one per AWS account: `existing` when another stack created it. */
  oidcProvider: z.enum(['create', 'existing']),
  /**
   * A plan role for pull requests' own (unreviewed) code: read-only, no secret values. Never in prod,
   * whose state holds the Redis AUTH token: prod plans run in `<env>-plan` (reviewers) or on main.
   */
  pullRequestPlans: z.boolean(),
});

const alertSubscriber = z.object({
  protocol: z.enum(['email', 'https', 'sqs', 'lambda']),
  /** An address, URL or ARN, as the protocol needs. */
  endpoint: z.string().min(1),
});

export const environmentConfigSchema = z
  .object({
    name: z.enum(ENVIRONMENT_NAMES),
    region: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as us-east-1'),
    /** Zones to spread over; the network, ASGs, Redis and API use all of them. */
    availabilityZones: z.array(z.string().min(1)).min(2),
    /**
     * On destroy, keep what cannot be rebuilt: a final Redis snapshot, secrets recoverable for 30 days,
     * ECR images (destroy fails while images remain). Off for throwaway environments.
     */
    retainDataOnDestroy: z.boolean(),
    /** Terraform state for this environment (S3, native lock file); created by its bootstrap stack. */
    state: z.object({ bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name') }),
    network,
    queue,
    pools,
    capacitySplit,
    scaling,
    worker,
    runState,
    api,
    /** The scaler runs as exactly one Fargate task. */
    scaler: z.object({ task: fargateTask }),
    plans: z.array(plan),
    /** Prices with their source and date (environments/prices.ts); the cost model reads only these. */
    pricing: pricingSchema,
    costGuard,
    /** Who the alerts topic notifies. Prod refuses to build without one: an alarm nobody hears is no alarm. */
    alerts: z.object({ subscribers: z.array(alertSubscriber) }),
    ci,
  })
  .superRefine((config, ctx) => {
    if (config.name === 'prod') {
      if (config.alerts.subscribers.length === 0) ctx.addIssue({ code: 'custom', path: ['alerts', 'subscribers'], message: 'prod needs at least one alert subscriber' });
      if (!config.api.edge) ctx.addIssue({ code: 'custom', path: ['api', 'edge'], message: 'prod needs the hardened edge (WAF, access logs, deletion protection)' });
      if (config.ci.pullRequestPlans) ctx.addIssue({ code: 'custom', path: ['ci', 'pullRequestPlans'], message: 'prod plans never run pull requests\' code' });
    }
    config.alerts.subscribers.forEach((subscriber, i) => {
      if (subscriber.protocol === 'email' && !z.string().email().safeParse(subscriber.endpoint).success) {
        ctx.addIssue({ code: 'custom', path: ['alerts', 'subscribers', i, 'endpoint'], message: 'an email address' });
      }
    });
    const zones = config.availabilityZones;
    zones.forEach((zone, i) => {
      if (zones.indexOf(zone) !== i) ctx.addIssue({ code: 'custom', path: ['availabilityZones', i], message: `${zone} is listed twice` });
      if (!zone.startsWith(config.region)) {
        ctx.addIssue({ code: 'custom', path: ['availabilityZones', i], message: `${zone} is not in ${config.region}` });
      }
    });
    for (const name of EC2_POOL_NAMES) {
      config.pools[name].instanceTypes.forEach((t, i) => {
        if (!config.pricing.instances[t.type]) {
          ctx.addIssue({ code: 'custom', path: ['pools', name, 'instanceTypes', i, 'type'], message: `no price for ${t.type} in pricing.instances` });
        }
      });
    }
    config.scaling.prewarm.forEach((schedule, i) => {
      for (const pool of schedule.pools) {
        if (schedule.minInstances > config.pools[pool].max) {
          ctx.addIssue({ code: 'custom', path: ['scaling', 'prewarm', i, 'minInstances'], message: `exceeds pools.${pool}.max (${config.pools[pool].max})` });
        }
      }
    });
    const burstCeiling = config.pools['burst-spot'].max + config.pools['burst-ondemand'].max;
    if (config.scaling.burst.maxTotalTasks > burstCeiling) {
      ctx.addIssue({ code: 'custom', path: ['scaling', 'burst', 'maxTotalTasks'], message: `exceeds the burst pools' max together (${burstCeiling})` });
    }
    if (config.queue.visibilityTimeoutSeconds < config.scaling.tickSeconds) {
      ctx.addIssue({ code: 'custom', path: ['queue', 'visibilityTimeoutSeconds'], message: 'shorter than a scaler tick' });
    }
  });

/** What the environment files write (defaults not yet applied). */
export type EnvironmentConfigInput = z.input<typeof environmentConfigSchema>;
/** The validated configuration every consumer reads. */
export type EnvironmentConfig = z.output<typeof environmentConfigSchema>;

export class EnvironmentConfigError extends Error {
  override readonly name = 'EnvironmentConfigError';
  constructor(
    readonly environment: string,
    readonly issues: readonly { path: string; message: string }[],
  ) {
    super(`invalid environment "${environment}":\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  }
}

export function parseEnvironmentConfig(input: unknown): EnvironmentConfig {
  const parsed = environmentConfigSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const name = typeof input === 'object' && input && 'name' in input ? String(input.name) : '(unnamed)';
  throw new EnvironmentConfigError(
    name,
    parsed.error.issues.map((issue) => ({ path: issue.path.join('.') || '(root)', message: issue.message })),
  );
}

/** The schedule in five-field form (UTC) for croner and the ASG's `recurrence`. */
export function prewarmCron(schedule: PrewarmSchedule): string {
  return toFiveFieldCron(schedule.schedule);
}

/** Slots of one instance of the pool's nominal type: the size of "one instance" in the brief's counts. */
export function nominalSlots(pool: Ec2PoolConfig): number {
  const nominal = pool.instanceTypes.find((t) => t.type === pool.nominalInstanceType);
  if (!nominal) throw new Error(`nominalInstanceType ${pool.nominalInstanceType} is not one of instanceTypes`);
  return nominal.slots;
}

/**
 * An instance count of a pool in ASG capacity units (slots): ASG min/max/desired, step rules'
 * `addInstances` and pre-warm floors all convert through this, so infra and scaler agree.
 */
export function instancesToSlots(pool: Ec2PoolConfig, instances: number): number {
  return instances * nominalSlots(pool);
}

export function asgSizeInSlots(pool: Ec2PoolConfig): { min: number; max: number } {
  return { min: instancesToSlots(pool, pool.min), max: instancesToSlots(pool, pool.max) };
}
