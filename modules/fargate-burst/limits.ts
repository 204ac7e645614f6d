/** Fargate's limit on the time between SIGTERM and SIGKILL: all a burst worker gets to hand runs back. */
export const FARGATE_MAX_STOP_TIMEOUT_SECONDS = 120;
