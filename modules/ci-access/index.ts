import { Construct } from 'constructs';
import { DataAwsIamOpenidConnectProvider } from '@cdktf/provider-aws/lib/data-aws-iam-openid-connect-provider/index.js';
import { IamOpenidConnectProvider } from '@cdktf/provider-aws/lib/iam-openid-connect-provider/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { packStatements, policyDocument, type PolicyStatement } from '../lib/iam.js';
import { prewarmStatements, readStatements, writeStatements, type PermissionScope, type PrewarmTarget } from './permissions.js';

const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

/** Concrete stand-ins, longest of their kind, to measure policy sizes before references resolve. */
const MEASURING_CONTEXT = { partition: 'aws-us-gov', accountId: '000000000000' };

export interface CiAccessProps extends PermissionScope {
  /** `owner/name`: only this repository's workflows may assume the roles. */
  githubRepository: string;
  /**
   * Only jobs running in this GitHub environment (with its protection rules) may apply; only jobs in
   * `<githubEnvironment>-prewarm` may pre-warm.
   */
  githubEnvironment: string;
  /** The GitHub OIDC provider is one per account: create it here, or use the one that exists. */
  oidcProvider: 'create' | 'existing';
  /** The scaler task the pre-warm workflow runs with the pre-warm role (.github/workflows/prewarm.yml). */
  prewarm: PrewarmTarget;
}

/**
 * GitHub Actions access without stored keys: the account's GitHub OIDC provider, a read-only role for
 * `terraform plan` (pull requests and the main branch of the one repository), an apply role only for
 * jobs in the environment's GitHub environment, so required reviewers gate every apply, and a pre-warm
 * role only for jobs in `<environment>-prewarm`. That GitHub environment needs no reviewers, so a
 * scheduled pre-warm runs on time: its role can do nothing but start the scaler's one-off task.
 */
export class CiAccess extends Construct {
  readonly planRoleArn: string;
  readonly applyRoleArn: string;
  readonly prewarmRoleArn: string;

  constructor(scope: Construct, id: string, props: CiAccessProps) {
    super(scope, id);
    const providerArn =
      props.oidcProvider === 'create'
        ? new IamOpenidConnectProvider(this, 'github', { url: `https://${GITHUB_OIDC_HOST}`, clientIdList: ['sts.amazonaws.com'] }).arn
        : new DataAwsIamOpenidConnectProvider(this, 'github', { url: `https://${GITHUB_OIDC_HOST}` }).arn;

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

    const plan = new IamRole(this, 'plan-role', {
      name: `${props.prefix}-ci-plan`,
      description: 'terraform plan from GitHub Actions (read-only)',
      assumeRolePolicy: trust([`${repo}:pull_request`, `${repo}:ref:refs/heads/main`]),
      maxSessionDuration: 3600,
    });
    const apply = new IamRole(this, 'apply-role', {
      name: `${props.prefix}-ci-apply`,
      description: `terraform apply from the GitHub environment "${props.githubEnvironment}"`,
      assumeRolePolicy: trust([`${repo}:environment:${props.githubEnvironment}`]),
      maxSessionDuration: 3600,
    });
    const prewarmEnvironment = `${props.githubEnvironment}-prewarm`;
    const prewarm = new IamRole(this, 'prewarm-role', {
      name: `${props.prefix}-ci-prewarm`,
      description: `scaler pre-warm task from the GitHub environment "${prewarmEnvironment}"`,
      assumeRolePolicy: trust([`${repo}:environment:${prewarmEnvironment}`]),
      maxSessionDuration: 3600,
    });

    // Managed policies (6,144 characters each) rather than inline ones (10,240 per role in total):
    // what apply needs does not fit inline.
    const measuring: PermissionScope = { ...props, aws: { ...props.aws, ...MEASURING_CONTEXT } };
    const attach = (kind: string, statements: PolicyStatement[], measured: PolicyStatement[], roles: Record<string, IamRole>): void => {
      packStatements(statements, measured).forEach((group, i) => {
        const policy = new IamPolicy(this, `${kind}-policy-${i + 1}`, {
          name: `${props.prefix}-ci-${kind}-${i + 1}`,
          description: `agentfleet CI: ${kind} access, part ${i + 1}`,
          policy: policyDocument(group),
        });
        for (const [key, role] of Object.entries(roles)) {
          new IamRolePolicyAttachment(this, `${kind}-${i + 1}-to-${key}`, { role: role.name, policyArn: policy.arn });
        }
      });
    };
    attach('read', readStatements(props), readStatements(measuring), { plan, apply });
    attach('write', writeStatements(props), writeStatements(measuring), { apply });
    attach('prewarm', prewarmStatements(props.aws, props.prewarm), prewarmStatements(measuring.aws, props.prewarm), { prewarm });

    this.planRoleArn = plan.arn;
    this.applyRoleArn = apply.arn;
    this.prewarmRoleArn = prewarm.arn;
  }
}
