import type { IAspect } from 'cdktf';
import type { IConstruct } from 'constructs';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { arn, type AwsContext } from './aws-context.js';

/**
 * IAM paths that keep what the apply role must never touch apart from what it manages: an ARN
 * pattern such as `role/agentfleet-prod-*` cannot match `role/agentfleet-ci/agentfleet-prod-ci-apply`
 * or `policy/agentfleet-boundary/...`, and IAM names stay unique across paths, so no managed role can
 * take a CI role's name.
 */
export const CI_ROLE_PATH = '/agentfleet-ci/';
export const BOUNDARY_POLICY_PATH = '/agentfleet-boundary/';

/** The permissions boundary every role of an environment's fleet stack carries (created by its bootstrap stack). */
export function workloadBoundaryName(prefix: string): string {
  return `${prefix}-workload`;
}

/** The permissions boundary of the environment's CI roles. */
export function ciBoundaryName(prefix: string): string {
  return `${prefix}-ci`;
}

export function boundaryArn(aws: AwsContext, name: string): string {
  return arn(aws, 'iam', `policy${BOUNDARY_POLICY_PATH}${name}`, { region: '' });
}

export function ciRoleArn(aws: AwsContext, name: string): string {
  return arn(aws, 'iam', `role${CI_ROLE_PATH}${name}`, { region: '' });
}

/**
 * Puts one permissions boundary on every IAM role in the scope it is added to, including roles added
 * later by any module, so no role of the stack can be created without it.
 */
export class PermissionsBoundaryAspect implements IAspect {
  constructor(private readonly boundaryPolicyArn: string) {}

  visit(node: IConstruct): void {
    if (node instanceof IamRole) node.permissionsBoundary = this.boundaryPolicyArn;
  }
}
