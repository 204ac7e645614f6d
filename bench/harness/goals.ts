/**
 * Goals are thresholds on named figures of a result ("ratio ≥ 0.38", "p99 ≤ 30 ms"). A benchmark
 * meets its goal when every threshold holds; a figure that was not measured never counts as met.
 */

export type Comparison = '>=' | '<=';

export interface Goal {
  /** Key into the result's `figures`. */
  figure: string;
  op: Comparison;
  target: number;
  /** How the figure is named in the table; the key when absent. */
  label?: string;
  unit?: string;
}

export interface GoalCheck extends Goal {
  actual?: number;
  met: boolean;
  /** "p99 ≤ 30 ms" */
  text: string;
}

export interface GoalVerdict {
  met: boolean;
  checks: GoalCheck[];
}

const SYMBOL: Record<Comparison, string> = { '>=': '≥', '<=': '≤' };

export function describeGoal(goal: Goal): string {
  const unit = goal.unit ? ` ${goal.unit}` : '';
  return `${goal.label ?? goal.figure} ${SYMBOL[goal.op]} ${formatNumber(goal.target)}${unit}`;
}

export function checkGoals(goals: readonly Goal[], figures: Readonly<Record<string, number | undefined>>): GoalVerdict {
  const checks = goals.map((goal): GoalCheck => {
    const actual = figures[goal.figure];
    const measured = actual !== undefined && Number.isFinite(actual);
    const met = measured && (goal.op === '>=' ? actual >= goal.target : actual <= goal.target);
    return { ...goal, ...(measured ? { actual } : {}), met, text: describeGoal(goal) };
  });
  return { met: checks.length > 0 && checks.every((check) => check.met), checks };
}

/** How a measurement compares with its ceiling; undefined when there is no usable ceiling. */
export function ratioOf(value: number, ceiling: number | undefined): number | undefined {
  if (ceiling === undefined || !Number.isFinite(ceiling) || ceiling <= 0 || !Number.isFinite(value)) return undefined;
  return value / ceiling;
}

/** Thousands separated, at most three significant decimals: 6,123 · 0.412 · 12.5 */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  const fractionDigits = magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : magnitude >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { maximumFractionDigits: fractionDigits, minimumFractionDigits: 0 });
}
