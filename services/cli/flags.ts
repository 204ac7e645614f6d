import { POOL_NAMES, type PoolName } from '../../environments/index.js';
import { idempotencyKeyHeader } from '../api/schemas.js';
import { CliError } from './cli-error.js';

/** Parsers of flag values shared by the commands; each error names the flag. */

/** A whole number ≥ 0; `fallback` when the flag is absent, else the flag is required. */
export function wholeNumber(flag: string, text: string | undefined, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw new CliError(`${flag}: required`);
    return fallback;
  }
  if (!/^\d+$/.test(text.trim())) throw new CliError(`${flag}: expected a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

/** A whole number ≥ 1, such as a concurrency. */
export function positiveInteger(flag: string, text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new CliError(`${flag}: expected a whole number ≥ 1, got "${text}"`);
  return Number(text);
}

export function parseJsonFlag(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${flag}: not valid JSON (${(error as Error).message})`);
  }
}

/**
 * An Idempotency-Key the API accepts, checked here by the API's own rule: an empty one (an unset
 * shell variable) must fail now, not submit a run that a retry could create twice.
 */
export function parseIdempotencyKey(flag: string, text: string): string {
  const parsed = idempotencyKeyHeader.safeParse(text);
  if (!parsed.success) throw new CliError(`${flag}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}, got "${text}"`);
  return parsed.data;
}

const DURATION = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** `90s`, `30m`, `2h`, `1h30m` → seconds. */
export function parseDuration(flag: string, text: string): number {
  const match = DURATION.exec(text.trim());
  const seconds = match ? Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0) : 0;
  if (!match || seconds <= 0) throw new CliError(`${flag}: expected a duration such as 90s, 30m, 2h or 1h30m, got "${text}"`);
  return seconds;
}

/** An ISO time; now when the flag is absent. */
export function parseTime(flag: string, text: string | undefined): Date {
  if (text === undefined) return new Date();
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new CliError(`${flag}: expected an ISO time such as 2026-03-02T13:00:00Z, got "${text}"`);
  return at;
}

export function parsePolicy(flag: string, text: string | undefined): 'step' | 'backlog' | undefined {
  if (text === undefined || text === 'step' || text === 'backlog') return text;
  throw new CliError(`${flag}: expected step or backlog, got "${text}"`);
}

/** `spot=20,on-demand=30`: instances for EC2 pools, tasks for Fargate pools. */
export function parsePoolSizes(flag: string, text: string | undefined): Partial<Record<PoolName, number>> {
  const sizes: Partial<Record<PoolName, number>> = {};
  for (const entry of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, value, extra] = entry.split('=');
    if (!name || value === undefined || extra !== undefined) throw new CliError(`${flag}: expected pool=N, got "${entry}"`);
    if (!(POOL_NAMES as readonly string[]).includes(name)) throw new CliError(`${flag}: unknown pool "${name}" (expected ${POOL_NAMES.join(', ')})`);
    sizes[name as PoolName] = wholeNumber(`${flag} ${name}`, value);
  }
  return sizes;
}
