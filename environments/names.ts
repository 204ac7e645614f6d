import type { EnvironmentName, PoolName } from './config.js';

/**
 * Cloud resource names, derived from the environment name in one place: the stack creates resources
 * under these names and the scaler finds its ASGs and ECS services by them.
 */
export interface ResourceNames {
  /** Prefix of every resource of the environment, e.g. `agentfleet-prod`. */
  prefix: string;
  queue: string;
  highPriorityQueue: string;
  deadLetterQueue: string;
  /** The ECS cluster running the burst workers, the API and the scaler. */
  cluster: string;
  /** ASG name for EC2 pools, ECS service name for Fargate pools. */
  pools: Record<PoolName, string>;
  apiService: string;
  scalerService: string;
  /** Log group per component, e.g. `/agentfleet/prod/worker`, all under `logGroupPrefix`. */
  logGroups: { worker: string; api: string; scaler: string };
  logGroupPrefix: string;
}

export function resourceNames(environment: EnvironmentName): ResourceNames {
  const prefix = `agentfleet-${environment}`;
  const logGroupPrefix = `/agentfleet/${environment}/`;
  return {
    prefix,
    queue: `${prefix}-runs`,
    highPriorityQueue: `${prefix}-runs-high`,
    deadLetterQueue: `${prefix}-runs-dlq`,
    cluster: prefix,
    pools: {
      spot: `${prefix}-spot`,
      'on-demand': `${prefix}-on-demand`,
      'burst-spot': `${prefix}-burst-spot`,
      'burst-ondemand': `${prefix}-burst-ondemand`,
    },
    apiService: `${prefix}-api`,
    scalerService: `${prefix}-scaler`,
    logGroups: { worker: `${logGroupPrefix}worker`, api: `${logGroupPrefix}api`, scaler: `${logGroupPrefix}scaler` },
    logGroupPrefix,
  };
}

/**
 * The CloudWatch metrics the worker publishes (services/worker/cloudwatch-metrics.ts) and the
 * error-rate alarm reads (modules/alerts): one set of names on both sides of the stack.
 */
export const RUN_METRICS = {
  namespace: 'AgentFleet',
  failedAttempts: 'RunAttemptsFailed',
  finishedAttempts: 'RunAttemptsFinished',
  dimension: 'Environment',
} as const;
