/**
 * IAM policy documents as plain data. Rendered with JSON.stringify so the synthesized policy is a JSON
 * string (references to other resources become Terraform interpolations inside it), which keeps every
 * policy readable in the plan and checkable by tests.
 */

export interface PolicyStatement {
  sid?: string;
  effect?: 'Allow' | 'Deny';
  actions: string[];
  resources: string[];
  conditions?: Record<string, Record<string, string | string[]>>;
  /** Only in resource policies (queue, topic, bucket): who the statement is about. */
  principals?: '*' | { Service?: string[]; AWS?: string[]; Federated?: string };
}

/** Resource-policy statement refusing any request that does not use TLS. */
export function denyInsecureTransport(actions: string[], resources: string[]): PolicyStatement {
  return {
    sid: 'DenyInsecureTransport',
    effect: 'Deny',
    principals: '*',
    actions,
    resources,
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  };
}

export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: statements.map((s) => ({
      ...(s.sid ? { Sid: s.sid } : {}),
      Effect: s.effect ?? 'Allow',
      ...(s.principals ? { Principal: s.principals } : {}),
      Action: s.actions,
      Resource: s.resources,
      ...(s.conditions ? { Condition: s.conditions } : {}),
    })),
  });
}

/**
 * Trust policy letting an AWS service (e.g. `ec2.amazonaws.com`) assume the role. `sourceAccount`
 * guards against the confused deputy where the service supports it (ECS tasks do; EC2 does not).
 */
export function serviceTrustPolicy(service: string, sourceAccount?: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } } } : {}),
      },
    ],
  });
}

/** AWS's size limit for one customer managed policy document, whitespace excluded. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

/**
 * Splits statements into as few policy documents as fit the managed-policy size limit, in order.
 * Sizes are measured on `measured`, the same statements rendered with concrete values (a resource
 * reference is longer than the ARN it becomes), so the real documents are never larger.
 */
export function packStatements(
  statements: readonly PolicyStatement[],
  measured: readonly PolicyStatement[],
  limit = MANAGED_POLICY_MAX_CHARS,
): PolicyStatement[][] {
  const groups: { real: PolicyStatement[]; sized: PolicyStatement[] }[] = [];
  statements.forEach((real, i) => {
    const sized = measured[i];
    if (!sized) throw new Error(`packStatements: no measurement for statement ${i}`);
    if (policyDocument([sized]).length > limit) throw new Error(`policy statement ${real.sid ?? i} alone exceeds ${limit} characters`);
    const last = groups.at(-1);
    if (last && policyDocument([...last.sized, sized]).length <= limit) {
      last.real.push(real);
      last.sized.push(sized);
    } else {
      groups.push({ real: [real], sized: [sized] });
    }
  });
  return groups.map((group) => group.real);
}
