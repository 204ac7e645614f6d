/**
 * The worker's production settings, written once (DESIGN §2): the worker's environment variables take
 * their defaults from here (core/config.ts) and every environment starts from them
 * (environments/common.ts), whose stacks write them into each worker's environment. A worker started
 * by hand runs what production runs; an environment that needs other numbers says so in its file.
 */
export const WORKER_DEFAULTS = {
  /**
   * The brief's circuit breaker: platform failures above 10 % over 5 minutes (at least 20 attempts),
   * a probe a minute after it opens. An agent is held back only when most of its attempts fail: an
   * agent failing some of its runs (a bad input, a flaky dependency) is its users' business and its
   * retries handle it.
   */
  breaker: { errorRatePercent: 10, agentErrorRatePercent: 50, windowSeconds: 300, minAttempts: 20, cooldownSeconds: 60 },
  drain: { shutdownGraceSeconds: 90, scaleInGraceSeconds: 3600, lifecycleHeartbeatSeconds: 60, spotDrainMarginSeconds: 20 },
  /**
   * How long a worker's hold on a run lasts without renewal: its queue visibility (SQS receive
   * VisibilityTimeout, BullMQ job lock) and its attempt lease, each renewed every third of it
   * (services/worker/heartbeat.ts); the capacity planner prices the extensions
   * (services/scaler/cost/sqs-assumptions.ts). Short, so that the runs of a worker that dies without
   * a word (kill -9, instance gone) run elsewhere within a minute. Worst case, counted from the kill,
   * with K the kill and every renewal at or before it:
   * - SQS: the message reappears ≤ K + 30 s. Its lease may have been renewed after its last
   *   visibility extension (extensions are gathered, up to 2 s late), so that delivery can find the
   *   lease live: it is handed back for the lease's remainder + 2 s, in whole seconds, and reappears
   *   ≤ K + 33 s; an idle receiver's long poll takes it at once, ≤ 2 s later with a high-priority
   *   queue: ≤ 35 s.
   * - BullMQ: the lock lapses ≤ K + 30 s; BullMQ's stalled checker (every 10 s, a third of the
   *   visibility: bullmq-driver.ts) marks the job on one pass after the last extension and moves it
   *   back to wait, waking an idle receiver, on the first pass after the lapse: ≤ K + 40 s (+ a pass's
   *   run time); the lease lapsed ≤ K + 30 s, so the run starts at once: ≤ 40 s.
   * Both assume a live worker with a free slot. The queue's own visibility timeout (15 min,
   * EnvironmentConfig queue.visibilityTimeoutSeconds) is only the backstop for a message received
   * without one.
   */
  heartbeat: { leaseSeconds: 30, visibilitySeconds: 30 },
  /** Fargate: each grant of task scale-in protection; renewed at two thirds of it while busy. */
  taskProtectionMinutes: 15,
} as const;

/** AWS's ceiling on a termination lifecycle hook's global timeout (100 × its heartbeat timeout, at most 48 h). */
export const LIFECYCLE_HOOK_MAX_SECONDS = 48 * 3600;
/** ECS's ceiling on one grant of task scale-in protection. */
export const TASK_PROTECTION_MAX_MINUTES = 2880;
