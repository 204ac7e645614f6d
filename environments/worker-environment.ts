import type { EnvironmentConfig } from './config.js';

/**
 * The worker's timings as the environment variables services/core/config.ts reads: the one place the
 * stack turns `config.worker` into worker settings, for EC2 user data and Fargate task definitions alike.
 */
export function workerEnvironment(config: EnvironmentConfig): Record<string, string> {
  const { breaker, drain, heartbeat, taskProtectionMinutes } = config.worker;
  const variables: Record<string, number> = {
    BREAKER_ERROR_PERCENT: breaker.errorRatePercent,
    AGENT_BREAKER_ERROR_PERCENT: breaker.agentErrorRatePercent,
    BREAKER_WINDOW_SECONDS: breaker.windowSeconds,
    BREAKER_MIN_ATTEMPTS: breaker.minAttempts,
    BREAKER_COOLDOWN_SECONDS: breaker.cooldownSeconds,
    SHUTDOWN_GRACE_SECONDS: drain.shutdownGraceSeconds,
    SCALE_IN_GRACE_SECONDS: drain.scaleInGraceSeconds,
    LIFECYCLE_HEARTBEAT_SECONDS: drain.lifecycleHeartbeatSeconds,
    SPOT_DRAIN_MARGIN_SECONDS: drain.spotDrainMarginSeconds,
    LEASE_SECONDS: heartbeat.leaseSeconds,
    VISIBILITY_SECONDS: heartbeat.visibilitySeconds,
    TASK_PROTECTION_MINUTES: taskProtectionMinutes,
  };
  return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, String(value)]));
}
