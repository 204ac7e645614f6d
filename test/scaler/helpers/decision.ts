import type { Decision, PoolDecision, ScalablePoolName } from '../../../services/scaler/policy/types.js';

export function pool(decision: Decision, name: ScalablePoolName): PoolDecision {
  const found = decision.pools.find((p) => p.name === name);
  if (!found) throw new Error(`no decision for pool ${name}`);
  return found;
}

/** Desired instances for EC2 pools, desired tasks for Fargate pools. */
export function sizes(decision: Decision): Record<string, number> {
  return Object.fromEntries(decision.pools.map((p) => [p.name, p.desiredInstances ?? p.desired]));
}

export function reasonCodes(decision: Decision, name: ScalablePoolName): string[] {
  return pool(decision, name).reasons.map((r) => r.code);
}
