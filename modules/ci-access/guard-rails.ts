import { arn } from '../lib/aws-context.js';
import type { PolicyStatement } from '../lib/iam.js';
import { BOUNDARY_POLICY_PATH, CI_ROLE_PATH } from '../lib/permissions-boundary.js';
import type { PermissionScope } from './scope.js';

/** Actions on a role's permissions that AWS lets a policy condition on `iam:PermissionsBoundary`. */
const BOUNDARY_CONDITIONED = ['iam:CreateRole', 'iam:PutRolePermissionsBoundary', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'];

/**
 * The apply role creates the environment's roles and writes their inline policies, but only on roles
 * that carry the workload permissions boundary, which holds no IAM action at all: whatever policy a
 * role gets, it can never do more than the boundary, and never change a role.
 */
export function boundedRoleStatements({ aws, prefix, workloadBoundaryArn }: PermissionScope): PolicyStatement[] {
  return [
    {
      sid: 'OwnRolesOnlyWithTheBoundary',
      actions: BOUNDARY_CONDITIONED,
      resources: [arn(aws, 'iam', `role/${prefix}-*`, { region: '' })],
      conditions: { StringEquals: { 'iam:PermissionsBoundary': workloadBoundaryArn } },
    },
  ];
}

/**
 * Explicit denies, in the apply role's own policy and in the CI boundary, so no later Allow can
 * lift them: no CI role (its own included), no boundary and no GitHub OIDC trust may be changed,
 * no role may be given policies without the workload boundary, and no boundary may be removed.
 */
export function guardRailStatements({ aws, workloadBoundaryArn }: Pick<PermissionScope, 'aws' | 'workloadBoundaryArn'>): PolicyStatement[] {
  return [
    {
      sid: 'DenyTouchingCiRoles',
      effect: 'Deny',
      actions: ['iam:*'],
      resources: [arn(aws, 'iam', `role${CI_ROLE_PATH}*`, { region: '' }), arn(aws, 'iam', `policy${CI_ROLE_PATH}*`, { region: '' })],
    },
    { sid: 'DenyTouchingBoundaries', effect: 'Deny', actions: ['iam:*'], resources: [arn(aws, 'iam', `policy${BOUNDARY_POLICY_PATH}*`, { region: '' })] },
    { sid: 'DenyTouchingOidcTrust', effect: 'Deny', actions: ['iam:*OpenIDConnectProvider*'], resources: ['*'] },
    {
      sid: 'DenyRolePoliciesWithoutTheBoundary',
      effect: 'Deny',
      actions: [...BOUNDARY_CONDITIONED, 'iam:AttachRolePolicy', 'iam:DetachRolePolicy'],
      resources: ['*'],
      conditions: { StringNotEquals: { 'iam:PermissionsBoundary': workloadBoundaryArn } },
    },
    { sid: 'DenyRemovingBoundaries', effect: 'Deny', actions: ['iam:DeleteRolePermissionsBoundary'], resources: ['*'] },
  ];
}
