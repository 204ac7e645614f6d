import { isDeepStrictEqual } from 'node:util';

/** The parts of `terraform show -json <plan>` the emulator test reads. */
export interface PlanJson {
  resource_changes?: ResourceChange[];
}

export interface ResourceChange {
  address: string;
  type: string;
  change: { actions: string[]; before: unknown; after: unknown; after_unknown: unknown };
}

/** A JSON string attribute (a policy, a redrive policy) compares by meaning, not by whitespace. */
function parsedJson(value: unknown): unknown {
  if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Attribute paths whose planned value differs from the current one, with list indexes written `*`
 * (`mixed_instances_policy.*.launch_template.*.override`). Values known only after apply count as
 * changed when `unknownIsChange`.
 */
export function changedPaths(before: unknown, after: unknown, unknown: unknown, unknownIsChange: boolean, path = ''): string[] {
  const here = path === '' ? [] : [path];
  if (unknown === true) return unknownIsChange ? here : [];
  const join = (key: string) => (path === '' ? key : `${path}.${key}`);
  if (isRecord(before) && isRecord(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after), ...(isRecord(unknown) ? Object.keys(unknown) : [])]);
    return [...keys].flatMap((key) => changedPaths(before[key], after[key], isRecord(unknown) ? unknown[key] : undefined, unknownIsChange, join(key)));
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, i) => changedPaths(item, after[i], Array.isArray(unknown) ? unknown[i] : undefined, unknownIsChange, join('*')));
  }
  const [parsedBefore, parsedAfter] = [parsedJson(before), parsedJson(after)];
  if (parsedBefore !== undefined && parsedAfter !== undefined) return isDeepStrictEqual(parsedBefore, parsedAfter) ? [] : here;
  const empty = (value: unknown) => value === null || value === undefined || (Array.isArray(value) && value.length === 0) || (isRecord(value) && Object.keys(value).length === 0);
  if (empty(before) && empty(after)) return [];
  return isDeepStrictEqual(before, after) ? [] : here;
}

/** A difference the emulator is known to produce between what it was told and what it reports. */
export interface EmulatorGap {
  /** Attribute paths (and everything below them) that may differ. */
  paths: string[];
  /** Terraform may plan to replace the resource over these paths. */
  replaces?: boolean;
  reason: string;
}

export interface UnexplainedChange {
  address: string;
  actions: string[];
  paths: string[];
}

/** Planned changes that no gap accounts for; an empty list means the second plan is clean. */
export function unexplainedChanges(plan: PlanJson, gaps: Record<string, EmulatorGap>): UnexplainedChange[] {
  const unexplained: UnexplainedChange[] = [];
  for (const change of plan.resource_changes ?? []) {
    const { actions, before, after, after_unknown } = change.change;
    if (actions.every((action) => action === 'no-op' || action === 'read')) continue;
    const gap = gaps[change.type];
    const replacing = actions.includes('delete') && actions.includes('create');
    // A replacement leaves every computed attribute unknown; only configured values can explain it.
    const paths = changedPaths(before, after, after_unknown, !replacing);
    const covered = (p: string) => gap?.paths.some((allowed) => p === allowed || p.startsWith(`${allowed}.`)) ?? false;
    const allowedAction = actions.length === 1 && actions[0] === 'update' ? true : replacing && gap?.replaces === true;
    const left = paths.filter((p) => !covered(p));
    if (!allowedAction || left.length > 0) unexplained.push({ address: change.address, actions, paths: allowedAction ? left : paths });
  }
  return unexplained;
}
