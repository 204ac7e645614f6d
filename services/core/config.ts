import { z } from 'zod';
import { LIFECYCLE_HOOK_MAX_SECONDS, TASK_PROTECTION_MAX_MINUTES, WORKER_DEFAULTS } from './worker-defaults.js';

/**
 * Process configuration from environment variables (DESIGN §4), parsed once at start by each entry
 * point and passed down as typed values. Nothing below an entry point reads `process.env`.
 * A bad value stops the process with a message naming the variable.
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const seconds = z.coerce.number().positive();

const bootstrapKeys = z
  .string()
  .transform((text, ctx) => {
    const pairs: { tenant: string; key: string }[] = [];
    for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
      const at = entry.indexOf(':');
      const tenant = entry.slice(0, at).trim();
      const key = entry.slice(at + 1).trim();
      if (at <= 0 || !tenant || key.length < 16) {
        ctx.addIssue({ code: 'custom', message: `expected tenant:key with a key of at least 16 characters, got "${entry.slice(0, 40)}"` });
        return z.NEVER;
      }
      pairs.push({ tenant, key });
    }
    return pairs;
  });

/** Browser origins (`scheme://host[:port]`), comma-separated; each is checked so a typo is caught at start. */
const origins = z.string().transform((text, ctx) => {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const origin of list) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      ctx.addIssue({ code: 'custom', message: `"${origin.slice(0, 80)}" is not an origin: write scheme://host[:port], nothing after it` });
      return z.NEVER;
    }
  }
  return list;
});

const { breaker, drain, heartbeat } = WORKER_DEFAULTS;

export const envSchema = z
  .object({
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
    QUEUE_DRIVER: z.enum(['bullmq', 'sqs']).default('bullmq'),
    /** BullMQ queue name; the dead-letter set lives beside it. */
    QUEUE_NAME: z.string().min(1).default('agentfleet-runs'),
    SQS_QUEUE_URL: z.string().url().optional(),
    SQS_DLQ_URL: z.string().url().optional(),
    /** SQS only: queue for runs with a priority above 0, which workers drain first (unset: priority is ignored on SQS). */
    SQS_HIGH_PRIORITY_QUEUE_URL: z.string().url().optional(),
    AWS_REGION: z.string().min(1).default('us-east-1'),
    AWS_ENDPOINT_URL: z.string().url().optional(),
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: port.default(8080),
    /**
     * Proxies in front of the API whose X-Forwarded-For entry names the client (the ALB: 1). Per-address
     * limits key on that address; 0 (no proxy) ignores the header, which a client could forge.
     */
    TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(5).default(0),
    WORKER_SLOTS: positiveInt.default(8),
    AGENTS_FILE: z.string().min(1).optional(),
    AGENTFLEET_ENV: z.enum(['dev', 'staging', 'prod']).default('dev'),
    AGENTFLEET_BOOTSTRAP_KEYS: bootstrapKeys.default([]),
    /** Browser origins the API answers CORS requests from (e.g. https://console.example.com); unset: CORS off. */
    CORS_ORIGINS: origins.default([]),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How often the API samples the queue for the console's last-hour chart (one sample per period across all API processes). */
    QUEUE_SAMPLE_SECONDS: positiveInt.default(10),
    /** How long finished runs (and their events) are kept. */
    RUN_RETENTION_SECONDS: positiveInt.default(7 * 24 * 3600),
    /** A running attempt's lease; renewed every third of it. A dead worker's runs are retaken after it lapses. */
    LEASE_SECONDS: positiveInt.default(heartbeat.leaseSeconds),
    /**
     * Queue visibility/lock a worker asks for and keeps extending (every third of it) while a run is
     * running: a dead worker's messages come back this long after their last extension.
     */
    VISIBILITY_SECONDS: positiveInt.default(heartbeat.visibilitySeconds),
    /** On SIGTERM or a Spot notice: how long running runs may take to finish before they are handed back. */
    SHUTDOWN_GRACE_SECONDS: seconds.default(drain.shutdownGraceSeconds),
    /** How long a cancelled or interrupted agent gets between SIGTERM and SIGKILL. */
    KILL_GRACE_SECONDS: seconds.default(10),
    /**
     * Start command agents as this user and group (numeric ids) instead of the worker's own. EC2
     * workers run as root and set it, so agents meet the user data's iptables rule that keeps that
     * uid away from the instance metadata service (and its role credentials). Both or neither.
     */
    AGENT_UID: z.coerce.number().int().min(1).max(2 ** 31 - 1).optional(),
    AGENT_GID: z.coerce.number().int().min(1).max(2 ** 31 - 1).optional(),
    /** The pool a worker reports to the fleet registry: local, spot, on-demand, burst-spot, burst-ondemand. */
    WORKER_POOL: z.string().min(1).default('local'),
    /** Serve the worker's Prometheus /metrics on this port (unset: not served). */
    WORKER_METRICS_PORT: port.optional(),
    /**
     * `emf`: once a minute the worker writes its run outcomes on stdout in CloudWatch's Embedded Metric
     * Format, for the error-rate alarm (the stacks set it; the awslogs driver ships the line).
     */
    CLOUDWATCH_METRICS: z.enum(['emf', 'off']).default('off'),
    /** SNS topic the worker publishes to when a circuit breaker opens (unset: the alert is the log line and the metric). */
    ALERTS_TOPIC_ARN: z
      .string()
      .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}(\.fifo)?$/, 'must be an SNS topic ARN')
      .refine((arn) => !arn.endsWith('.fifo'), 'must be a standard SNS topic, not FIFO: alerts publish without a MessageGroupId (they need no ordering), and a FIFO topic delivers only to SQS queues, never to email, SMS or chat')
      .optional(),
    /** EC2 instance metadata (http://169.254.169.254 on EC2); when set, the worker watches for Spot notices and ASG scale-in. */
    IMDS_ENDPOINT: z.string().url().optional(),
    /** How often the worker asks IMDS for a Spot notice or scale-in. */
    IMDS_POLL_SECONDS: seconds.default(5),
    /** A Spot drain ends this long before the instance is reclaimed, leaving time to interrupt and hand back. */
    SPOT_DRAIN_MARGIN_SECONDS: seconds.default(drain.spotDrainMarginSeconds),
    /** What an interrupted run's message becomes: released at once for another worker, or dead-lettered (the brief's original behaviour). */
    ON_INTERRUPT: z.enum(['release', 'dead-letter']).default('release'),
    /** The worker's auto scaling group and its termination lifecycle hook: completed once a scale-in drain is over. */
    WORKER_ASG_NAME: z.string().min(1).optional(),
    WORKER_LIFECYCLE_HOOK: z.string().min(1).optional(),
    /**
     * How long a scale-in drain lets running runs continue before handing them back. The termination
     * hook holds the instance meanwhile: the worker sends a lifecycle heartbeat every
     * LIFECYCLE_HEARTBEAT_SECONDS, so this may exceed the hook's heartbeat timeout, but not the hook's
     * global timeout (100 x the heartbeat timeout, at most 48 h), where the ASG terminates the instance.
     */
    SCALE_IN_GRACE_SECONDS: seconds.max(LIFECYCLE_HOOK_MAX_SECONDS).default(drain.scaleInGraceSeconds),
    /** While a scale-in drain lasts, the lifecycle hook's heartbeat is recorded this often: keep it well inside the hook's heartbeat timeout. */
    LIFECYCLE_HEARTBEAT_SECONDS: seconds.default(drain.lifecycleHeartbeatSeconds),
    /** Set by ECS in every task container: the agent's endpoint, where a Fargate worker asks for task scale-in protection while busy. */
    ECS_AGENT_URI: z.string().url().optional(),
    /** Each grant of task scale-in protection lasts this long (ECS allows 1 to 2,880); renewed at two thirds of it while busy. */
    TASK_PROTECTION_MINUTES: z.coerce.number().int().min(1).max(TASK_PROTECTION_MAX_MINUTES).default(WORKER_DEFAULTS.taskProtectionMinutes),
    /** Circuit breakers (the worker's, on platform failures; each agent's, unless its agents-file entry overrides): open when more than this percent of attempts fail... */
    BREAKER_ERROR_PERCENT: z.coerce.number().min(0).max(100).default(breaker.errorRatePercent),
    /** ...over this rolling window... */
    BREAKER_WINDOW_SECONDS: positiveInt.default(breaker.windowSeconds),
    /** ...once the window holds at least this many attempts; it probes again after the cooldown. */
    BREAKER_MIN_ATTEMPTS: positiveInt.default(breaker.minAttempts),
    BREAKER_COOLDOWN_SECONDS: positiveInt.default(breaker.cooldownSeconds),
    /**
     * Each agent's breaker opens above this percent of its counted failures (window, minimum and cooldown
     * are the BREAKER_* ones). Higher than the platform's: an agent failing some of its runs (a bad
     * input, a flaky dependency) is its users' business and its retries handle it; only an agent that
     * mostly fails is held back, so its runs wait instead of burning their attempts.
     */
    AGENT_BREAKER_ERROR_PERCENT: z.coerce.number().min(0).max(100).default(breaker.agentErrorRatePercent),
  })
  .superRefine((env, ctx) => {
    if (env.QUEUE_DRIVER === 'sqs' && !env.SQS_QUEUE_URL) {
      ctx.addIssue({ code: 'custom', path: ['SQS_QUEUE_URL'], message: 'required when QUEUE_DRIVER=sqs' });
    }
    if ((env.AGENT_UID === undefined) !== (env.AGENT_GID === undefined)) {
      ctx.addIssue({ code: 'custom', path: [env.AGENT_UID === undefined ? 'AGENT_UID' : 'AGENT_GID'], message: 'AGENT_UID and AGENT_GID go together' });
    }
  });

export type PlatformConfig = z.infer<typeof envSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Empty strings count as unset, so `PORT=` in a shell does not become port 0. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
