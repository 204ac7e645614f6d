/**
 * What the simulation assumes about AWS (FACTS.md, "Launch and boot" and "Interruptions"). Launch times
 * are soft, so they are ranges: each machine draws its own time uniformly from the range.
 */
export const AWS_MODEL = {
  /** EC2: API call → instance running (~5–17 s) → worker ready after image pull and start: 60–120 s in all. */
  ec2ReadySeconds: { min: 60, max: 120 },
  /** Fargate: task start, mostly the image pull (≈ 60 s for 250 MB from ECR in-VPC): 20–90 s. */
  fargateReadySeconds: { min: 20, max: 90 },
  /** Spot (EC2 and Fargate): the interruption notice comes 2 minutes before the reclaim. */
  spotNoticeSeconds: 120,
  /** EC2 RunInstances: 1,000 instances at once, then 2 per second (account-wide, both EC2 pools). */
  ec2Launches: { burst: 1000, perSecond: 2 },
  /** ECS RunTask: 100 tasks at once, then 20 per second, a bucket each for Fargate and Fargate Spot. */
  fargateLaunches: { burst: 100, perSecond: 20 },
  /** EC2 Linux and Fargate bill per second with a one-minute minimum, from launch (Fargate: image pull). */
  minimumBilledSeconds: 60,
} as const;

export type SecondsRange = { readonly min: number; readonly max: number };
