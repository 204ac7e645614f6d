import { z } from 'zod';

/**
 * The scaler's own process settings (beside the platform's, services/core/config.ts), from
 * environment variables and, for the CLI, flags of the same meaning. The EnvironmentConfig stays the
 * source of the policy; these only shorten its clocks (for `agentfleet dev` and tests) and size the
 * local fleet.
 *
 * | variable | flag | meaning |
 * |---|---|---|
 * | SCALER_TICK_SECONDS | --tick-seconds | decide this often instead of `scaling.tickSeconds` |
 * | SCALER_SCALE_OUT_COOLDOWN_SECONDS | --scale-out-cooldown | instead of `scaling.scaleOutCooldownSeconds` |
 * | SCALER_SCALE_IN_COOLDOWN_SECONDS | --scale-in-cooldown | instead of `scaling.scaleInCooldownSeconds` |
 * | SCALER_METRICS_PORT | --metrics-port | serve Prometheus /metrics here (unset: not served) |
 * | LOCAL_MIN_WORKERS | --min-workers | local pool: fewest worker processes (default 1) |
 * | LOCAL_MAX_WORKERS | --max-workers | local pool: most worker processes (default 4) |
 */

const seconds = z.coerce.number().positive();

export const scalerEnvSchema = z
  .object({
    SCALER_TICK_SECONDS: seconds.optional(),
    SCALER_SCALE_OUT_COOLDOWN_SECONDS: seconds.optional(),
    SCALER_SCALE_IN_COOLDOWN_SECONDS: seconds.optional(),
    SCALER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    LOCAL_MIN_WORKERS: z.coerce.number().int().min(0).default(1),
    LOCAL_MAX_WORKERS: z.coerce.number().int().positive().default(4),
  })
  .refine((env) => env.LOCAL_MIN_WORKERS <= env.LOCAL_MAX_WORKERS, {
    path: ['LOCAL_MIN_WORKERS'],
    message: 'must not exceed LOCAL_MAX_WORKERS',
  });

export type ScalerEnv = z.infer<typeof scalerEnvSchema>;

export class ScalerConfigError extends Error {
  override readonly name = 'ScalerConfigError';
}

/** Flags (already named like the variables) win over the environment; empty strings count as unset. */
export function loadScalerEnv(env: NodeJS.ProcessEnv, overrides: Record<string, string | undefined> = {}): ScalerEnv {
  const set = (entries: Record<string, string | undefined>) => Object.entries(entries).filter(([, value]) => value !== undefined && value !== '');
  const merged = Object.fromEntries([...set(env), ...set(overrides)]);
  const parsed = scalerEnvSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ScalerConfigError(`invalid configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}
