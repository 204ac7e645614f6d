import { Construct } from 'constructs';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider/index.js';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { packStatements, policyDocument, type PolicyStatement } from '../lib/iam.js';
import { BOUNDARY_POLICY_PATH, CI_ROLE_PATH, ciBoundaryName, workloadBoundaryName } from '../lib/permissions-boundary.js';
import { ciBoundaryStatements, workloadBoundaryStatements } from './boundaries.js';
import { prewarmStatements, readStatements, writeStatements, type PrewarmTarget } from './permissions.js';
import type { PermissionScope } from './scope.js';

const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** Concrete stand-ins, longest of their kind, to measure policy sizes before references resolve. */
const MEASURING_CONTEXT = { partition: 'aws-us-gov', accountId: '000000000000' };

export interface CiAccessProps extends PermissionScope {
  /** The ECS cluster of the environment (the workload boundary names its services and tasks). */
  clusterName: string;
  /** `owner/name`: only this repository's workflows may assume the roles. */
  githubRepository: string;
  /**
   * Only jobs in this GitHub environment (with its protection rules) may apply; only jobs in
   * `<githubEnvironment>-plan`, or on `main`, may plan with the state and secrets; only jobs in
   * `<githubEnvironment>-prewarm` may pre-warm.
   */
  githubEnvironment: string;
  /** A role for pull requests' own code: no secret values, plans with `-refresh=false`. Never for prod. */
  pullRequestPlans: boolean;
  /** The GitHub OIDC provider is one per account: create it here, or use the one that exists. */
  oidcProvider: 'create' | 'existing';
  /** The scaler task the pre-warm workflow runs with the pre-warm role (.github/workflows/prewarm.yml). */
  prewarm: PrewarmTarget;
}

/**
 * GitHub Actions access without stored keys, and the permissions boundaries that keep every role of
 * the environment from widening itself. Lives in the bootstrap stack, which an administrator applies:
 * the apply role never manages its own role, its policies, the boundaries or the OIDC trust.
 *
 * - `<prefix>-ci-plan`: read-only with state and secret values, for jobs in `<env>-plan` (required
 *   reviewers) and on `main` (drift, reviewed code);
 * - `<prefix>-ci-pr-plan` (dev and staging only): read-only without secret values, for `pull_request`;
 * - `<prefix>-ci-apply`: for jobs in `<env>` (required reviewers on prod);
 * - `<prefix>-ci-prewarm`: only starts the scaler's one-off task, for jobs in `<env>-prewarm`.
 */
export class CiAccess extends Construct {
  readonly planRoleArn: string;
  readonly pullRequestPlanRoleArn: string | undefined;
  readonly applyRoleArn: string;
  readonly prewarmRoleArn: string;
  readonly workloadBoundaryArn: string;

  constructor(scope: Construct, id: string, props: CiAccessProps) {
    super(scope, id);
    const providerArn =
      props.oidcProvider === 'create'
        ? new IamOpenidConnectProvider(this, 'github', { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: ['sts.amazonaws.com'] }).arn
        : new DataAwsIamOpenidConnectProvider(this, 'github', { url: `https://${GITHUB_OIDC_HOST}` }).arn;

    const workloadBoundary = new IamPolicy(this, 'workload-boundary', {
      name: workloadBoundaryName(props.prefix),
      path: BOUNDARY_POLICY_PATH,
      description: `Permissions boundary of every role of ${props.prefix}: run-time actions on its own resources, no IAM`,
      policy: policyDocument(workloadBoundaryStatements({ ...props })),
    });
    const ciBoundary = new IamPolicy(this, 'ci-boundary', {
      name: ciBoundaryName(props.prefix),
      path: BOUNDARY_POLICY_PATH,
      description: `Permissions boundary of the CI roles of ${props.prefix}`,
      policy: policyDocument(ciBoundaryStatements(props)),
    });

    const trust = (subjects: string[]): string =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: providerArn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              // Exact subjects: StringEquals, so no character of a name can act as a wildcard.
              StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com', [`${GITHUB_OIDC_HOST}:sub`]: subjects },
            },
          },
        ],
      });
    const repo = `repo:${props.githubRepository}`;
    const role = (key: string, kind: string, description: string, subjects: string[]): IamRole =>
      new IamRole(this, key, {
        name: `${props.prefix}-ci-${kind}`,
        path: CI_ROLE_PATH,
        description,
        assumeRolePolicy: trust(subjects),
        permissionsBoundary: ciBoundary.arn,
        maxSessionDuration: 3600,
      });

    const planEnvironment = `${props.githubEnvironment}-plan`;
    const plan = role('plan-role', 'plan', `terraform plan (read-only, with state) from "${planEnvironment}" or main`, [
      `${repo}:environment:${planEnvironment}`,
      `${repo}:ref:refs/heads/main`,
    ]);
    const pullRequestPlan = props.pullRequestPlans
      ? role('pr-plan-role', 'pr-plan', 'terraform plan -refresh=false for pull requests (read-only, no secret values)', [`${repo}:pull_request`])
      : undefined;
    const apply = role('apply-role', 'apply', `terraform apply from the GitHub environment "${props.githubEnvironment}"`, [
      `${repo}:environment:${props.githubEnvironment}`,
    ]);
    const prewarmEnvironment = `${props.githubEnvironment}-prewarm`;
    const prewarm = role('prewarm-role', 'prewarm', `scaler pre-warm task from the GitHub environment "${prewarmEnvironment}"`, [
      `${repo}:environment:${prewarmEnvironment}`,
    ]);

    // Managed policies (6,144 characters each) rather than inline ones (10,240 per role in total):
    // what apply needs does not fit inline.
    const measuring: PermissionScope = {
      ...props,
      aws: { ...props.aws, ...MEASURING_CONTEXT },
      workloadBoundaryArn: `arn:aws-us-gov:iam::000000000000:policy${BOUNDARY_POLICY_PATH}${workloadBoundaryName(props.prefix)}`,
    };
    const attach = (kind: string, statements: PolicyStatement[], measured: PolicyStatement[], roles: Record<string, IamRole>): void => {
      packStatements(statements, measured).forEach((group, i) => {
        const policy = new IamPolicy(this, `${kind}-policy-${i + 1}`, {
          name: `${props.prefix}-ci-${kind}-${i + 1}`,
          path: CI_ROLE_PATH,
          description: `agentfleet CI: ${kind} access, part ${i + 1}`,
          policy: policyDocument(group),
        });
        for (const [key, attached] of Object.entries(roles)) {
          new IamRolePolicyAttachment(this, `${kind}-${i + 1}-to-${key}`, { role: attached.name, policyArn: policy.arn });
        }
      });
    };
    attach('read', readStatements(props, { secretValues: true }), readStatements(measuring, { secretValues: true }), { plan, apply });
    if (pullRequestPlan) {
      attach('pr-read', readStatements(props, { secretValues: false }), readStatements(measuring, { secretValues: false }), { pullRequestPlan });
    }
    attach('write', writeStatements(props), writeStatements(measuring), { apply });
    attach('prewarm', prewarmStatements(props.aws, props.prewarm), prewarmStatements(measuring.aws, props.prewarm), { prewarm });

    this.planRoleArn = plan.arn;
    this.pullRequestPlanRoleArn = pullRequestPlan?.arn;
    this.applyRoleArn = apply.arn;
    this.prewarmRoleArn = prewarm.arn;
    this.workloadBoundaryArn = workloadBoundary.arn;
  }
}
