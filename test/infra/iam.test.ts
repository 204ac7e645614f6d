import test from 'ava';
import { ENVIRONMENT_NAMES, loadEnvironment, resourceNames } from '../../environments/index.js';
import { MANAGED_POLICY_MAX_CHARS, packStatements, policyDocument, type PolicyStatement } from '../../modules/lib/iam.js';
import { BOUNDARY_POLICY_PATH } from '../../modules/lib/permissions-boundary.js';
import { asList, policies, resources, synthesizeAll, type FoundPolicy, type PolicyStatementJson, type Synthesized } from './support/synthesized.js';

/**
 * Actions AWS authorizes only against "Resource": "*" (the IAM Service Authorization Reference lists no
 * resource type for them). A statement on "*" may hold only these, unless a condition narrows it.
 */
const ONLY_UNSCOPED = new Set([
  'ec2:Describe*',
  'autoscaling:Describe*',
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeScalingActivities',
  'elasticloadbalancing:Describe*',
  'application-autoscaling:Describe*',
  'ecs:DescribeTaskDefinition',
  'ecs:RegisterTaskDefinition',
  'ecs:DeregisterTaskDefinition',
  'ecr:GetAuthorizationToken',
  'logs:DescribeLogGroups',
  'iam:ListOpenIDConnectProviders',
  'secretsmanager:GetRandomPassword',
]);

/** AWS-owned resources have no account in their ARN. */
const AWS_OWNED = [/^arn:\$\{[^}]+\}:ec2:[a-z0-9-]+::image\/\*$/, /^arn:\$\{[^}]+\}:ssm:[a-z0-9-]+::parameter\/aws\/service\/\*$/];
const ACCOUNT = '${data.aws_caller_identity.account.account_id}';

let stacks: Record<string, Synthesized>;
test.before(() => {
  stacks = synthesizeAll();
});

const allows = (policy: FoundPolicy): PolicyStatementJson[] => policy.statements.filter((s) => s.Effect === 'Allow');
/** Permissions boundaries are ceilings, not grants: the tests of grants leave them out, and test them on their own. */
const isBoundary = (stack: Synthesized, policy: FoundPolicy): boolean =>
  policy.where.startsWith('aws_iam_policy.') && stack.resource.aws_iam_policy?.[policy.where.split('.')[1] ?? '']?.path === BOUNDARY_POLICY_PATH;
/** Grants of an environment: its own stack's and its bootstrap stack's (the CI roles). */
const identityPolicies = (env: string): FoundPolicy[] =>
  [env, `${env}-bootstrap`].flatMap((name) => {
    const stack = stacks[name] as Synthesized;
    return policies(stack).filter((p) => p.kind === 'identity' && !isBoundary(stack, p));
  });
const bootstrapOf = (env: string): Synthesized => stacks[`${env}-bootstrap`] as Synthesized;
const statementsWithAction = (stack: string, action: string): PolicyStatementJson[] =>
  identityPolicies(stack).flatMap(allows).filter((s) => asList(s.Action).includes(action));

type CiRole = 'plan' | 'pr-plan' | 'apply' | 'prewarm';
/** The Terraform key of the CI role `agentfleet-<env>-ci-<kind>`. */
function ciRoleKey(stack: Synthesized, kind: CiRole): string {
  const keys = Object.entries(stack.resource.aws_iam_role ?? {}).filter(([, role]) => (role.name as string).endsWith(`-ci-${kind}`));
  if (keys.length !== 1) throw new Error(`expected one ${kind} CI role, found ${keys.length}`);
  return keys[0]?.[0] as string;
}
/** Statements of every policy attached to, or inline in, a CI role. */
function ciRoleStatements(stack: Synthesized, kind: CiRole): { attached: string[]; inline: number; statements: PolicyStatementJson[] } {
  const key = ciRoleKey(stack, kind);
  const attached = resources(stack, 'aws_iam_role_policy_attachment')
    .filter((a) => a.role === `\${aws_iam_role.${key}.name}`)
    .map((a) => /^\$\{aws_iam_policy\.([^.]+)\.arn\}$/.exec(a.policy_arn as string)?.[1] ?? `not a policy of this stack: ${String(a.policy_arn)}`);
  const inline = resources(stack, 'aws_iam_role_policy').filter((p) => p.role === `\${aws_iam_role.${key}.name}` || p.role === `\${aws_iam_role.${key}.id}`).length;
  const statements = attached.flatMap(
    (policyKey) => (JSON.parse(stack.resource.aws_iam_policy?.[policyKey]?.policy as string) as { Statement: PolicyStatementJson[] }).Statement,
  );
  return { attached: attached.map((policyKey) => stack.resource.aws_iam_policy?.[policyKey]?.name as string), inline, statements };
}

test('no policy in any stack allows every action, or every action of a service', (t) => {
  let checked = 0;
  for (const [name, stack] of Object.entries(stacks)) {
    for (const policy of policies(stack).filter((p) => !isBoundary(stack, p))) {
      for (const statement of allows(policy)) {
        for (const action of asList(statement.Action)) {
          checked += 1;
          t.false(action === '*' || /^[a-z0-9-]+:\*$/.test(action), `${name} ${policy.where} allows ${action}`);
        }
      }
    }
  }
  t.true(checked > 300, `only ${checked} actions found: did the policies move?`);
});

test('a statement on "*" holds only actions AWS cannot scope to a resource, or is narrowed by a condition', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    for (const policy of identityPolicies(env)) {
      for (const statement of allows(policy).filter((s) => asList(s.Resource).includes('*'))) {
        if (statement.Condition) continue;
        for (const action of asList(statement.Action)) t.true(ONLY_UNSCOPED.has(action), `${env} ${policy.where}: ${action} on "*"`);
      }
    }
  }
});

test('every other resource is this account\'s, this environment\'s, or AWS-owned', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const { prefix } = resourceNames(env);
    const stateBucket = loadEnvironment(env).state.bucket;
    for (const policy of identityPolicies(env)) {
      for (const statement of allows(policy)) {
        for (const resource of asList(statement.Resource).filter((r) => r !== '*')) {
          const reference = /^\$\{aws_[a-z0-9_]+\.[^}]+\}(:log-stream:\*)?$/.test(resource);
          const ownAccount = resource.includes(`:${ACCOUNT}:`);
          // S3 ARNs carry no account: the state bucket, or buckets named with the environment's prefix (access logs).
          const ownBucket = resource.includes(`:s3:::${stateBucket}`) || resource.includes(`:s3:::${prefix}-`);
          const awsOwned = AWS_OWNED.some((pattern) => pattern.test(resource));
          t.true(reference || ownAccount || ownBucket || awsOwned, `${env} ${policy.where}: ${resource}`);
          const namedByService = /:(sqs|sns|ecr|secretsmanager|budgets|autoscaling|elasticloadbalancing|cloudwatch):/.test(resource) || /:iam::/.test(resource);
          if (ownAccount && namedByService && !resource.includes('aws-service-role') && !resource.includes('oidc-provider')) {
            t.true(resource.includes(prefix), `${env} ${policy.where}: ${resource} is not limited to ${prefix}`);
          }
        }
      }
    }
  }
});

test('the scaler may resize only its own two ASGs and two burst services', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const names = resourceNames(env);
    const [resize] = statementsWithAction(env, 'autoscaling:SetDesiredCapacity');
    t.deepEqual(
      asList(resize?.Resource).map((r) => r.split('/').pop()),
      [names.pools.spot, names.pools['on-demand']],
    );
    const [update] = statementsWithAction(env, 'ecs:UpdateService');
    t.deepEqual(asList(update?.Resource), [
      `arn:\${data.aws_partition.partition.partition}:ecs:us-east-1:${ACCOUNT}:service/${names.cluster}/${names.pools['burst-spot']}`,
      `arn:\${data.aws_partition.partition.partition}:ecs:us-east-1:${ACCOUNT}:service/${names.cluster}/${names.pools['burst-ondemand']}`,
    ]);
    // The scaler calls SetDesiredCapacity, never UpdateAutoScalingGroup: only the CI apply role may (it deploys the ASGs).
    t.deepEqual(statementsWithAction(env, 'autoscaling:UpdateAutoScalingGroup').map((s) => s.Sid), ['OwnAutoScalingGroupsWrite']);
    const scalerTaskRole = resources(stacks[env] as Synthesized, 'aws_iam_role_policy').find((p) => (p.role as string).includes('scaler_task_task-role'));
    const scalerActions = (JSON.parse(scalerTaskRole?.policy as string) as { Statement: PolicyStatementJson[] }).Statement.flatMap((s) => asList(s.Action)).sort();
    t.deepEqual(scalerActions, [
      'autoscaling:DescribeAutoScalingGroups', 'autoscaling:SetDesiredCapacity', 'autoscaling:SetInstanceProtection',
      'ecs:DescribeServices', 'ecs:UpdateService', 'sqs:GetQueueAttributes',
    ], 'exactly the calls of services/scaler/adapters and the queue depth reader');
  }
});

test('a worker may complete and heartbeat the lifecycle action and protect instances only in its own ASG, a burst task only tasks of its cluster', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const names = resourceNames(env);
    const statements = statementsWithAction(env, 'autoscaling:CompleteLifecycleAction');
    t.deepEqual(
      statements.map((s) => asList(s.Resource).map((r) => r.split('/').pop())).sort(),
      [[names.pools['on-demand']], [names.pools.spot]],
    );
    t.deepEqual(statements.map((s) => asList(s.Action).includes('autoscaling:RecordLifecycleActionHeartbeat')), [true, true], 'a long scale-in drain keeps the hook alive');
    const protect = statementsWithAction(env, 'ecs:UpdateTaskProtection');
    t.true(protect.length === 2 && protect.every((s) => asList(s.Resource).every((r) => r.endsWith(`:task/${names.cluster}/*`))));
    // The ECS agent's task-protection endpoint calls both with the task role (the endpoint's GET and PUT).
    t.true(protect.every((s) => asList(s.Action).includes('ecs:GetTaskProtection')));
  }
});

test('workers may publish only to the alerts topic, and use only its KMS key, for their breaker alerts', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const publish = identityPolicies(env).filter((p) => allows(p).some((s) => asList(s.Action).includes('sns:Publish')));
    t.deepEqual(
      publish.map((p) => /^aws_iam_role_policy\.([a-z-]+_[a-z-]+)_/.exec(p.where)?.[1]).sort(),
      ['burst_ondemand-task', 'burst_spot-task', 'pool-on-demand_role-policy', 'pool-spot_role-policy'],
      `${env}: the four worker pools' roles, no other`,
    );
    for (const policy of publish) {
      const statements = allows(policy);
      const published = statements.filter((s) => asList(s.Action).includes('sns:Publish'));
      t.deepEqual(published.map((s) => asList(s.Action)), [['sns:Publish']], `${env} ${policy.where}`);
      t.true(published.flatMap((s) => asList(s.Resource)).every((r) => /^\$\{aws_sns_topic\.alerts_topic[_A-F0-9]*\.arn\}$/.test(r)), `${env} ${policy.where}: the alerts topic only`);
      const keyUse = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('kms:')));
      t.deepEqual(keyUse.map((s) => asList(s.Action)), [['kms:GenerateDataKey*', 'kms:Decrypt']], `${env} ${policy.where}`);
      t.true(keyUse.flatMap((s) => asList(s.Resource)).every((r) => /^\$\{aws_kms_key\.alerts_key[_A-F0-9]*\.arn\}$/.test(r)), `${env} ${policy.where}: the topic's key only`);
    }
  }
});

test('the pre-warm role may read the scaler service, run only its task definition in its own cluster, watch that task and pass only its two roles', (t) => {
  const partition = '${data.aws_partition.partition.partition}';
  for (const env of ENVIRONMENT_NAMES) {
    const stack = bootstrapOf(env);
    const names = resourceNames(env);
    const region = loadEnvironment(env).region;
    const ecs = (resource: string) => `arn:${partition}:ecs:${region}:${ACCOUNT}:${resource}`;

    const prewarmPolicies = resources(stack, 'aws_iam_policy').filter((p) => (p.name as string).includes('-ci-prewarm-'));
    t.is(prewarmPolicies.length, 1);
    const statements = (JSON.parse(prewarmPolicies[0]?.policy as string) as { Statement: PolicyStatementJson[] }).Statement;
    const byAction = Object.fromEntries(statements.flatMap((s) => asList(s.Action).map((action) => [action, s] as const)));
    t.deepEqual(Object.keys(byAction).sort(), ['ecs:DescribeServices', 'ecs:DescribeTasks', 'ecs:RunTask', 'iam:PassRole']);
    t.true(statements.every((s) => asList(s.Action).length === 1 && s.Effect === 'Allow'));

    t.deepEqual(asList(byAction['ecs:DescribeServices']?.Resource), [ecs(`service/${names.cluster}/${names.scalerService}`)]);
    t.deepEqual(asList(byAction['ecs:RunTask']?.Resource), [ecs(`task-definition/${names.scalerService}:*`)]);
    t.deepEqual(byAction['ecs:RunTask']?.Condition, { ArnEquals: { 'ecs:cluster': ecs(`cluster/${names.cluster}`) } });
    t.deepEqual(asList(byAction['ecs:DescribeTasks']?.Resource), [ecs(`task/${names.cluster}/*`)]);

    // The roles passed are the very roles of the scaler's task definition.
    const fleet = stacks[env] as Synthesized;
    const scalerTask = resources(fleet, 'aws_ecs_task_definition').find((d) => d.family === names.scalerService);
    const roleName = (reference: string) => {
      const [, key] = /^\$\{aws_iam_role\.([^.]+)\.arn\}$/.exec(reference) ?? [];
      return fleet.resource.aws_iam_role?.[key ?? '']?.name as string;
    };
    const scalerRoles = [roleName(scalerTask?.execution_role_arn as string), roleName(scalerTask?.task_role_arn as string)];
    t.deepEqual(scalerRoles, [`${names.scalerService}-execution`, `${names.scalerService}-task`]);
    t.deepEqual(asList(byAction['iam:PassRole']?.Resource), scalerRoles.map((name) => `arn:${partition}:iam::${ACCOUNT}:role/${name}`));
    t.deepEqual(byAction['iam:PassRole']?.Condition, { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } });
    for (const statement of statements) {
      t.false(asList(statement.Action).some((action) => action.includes('*')), `${env} ${statement.Sid}: an action with *`);
      t.false(asList(statement.Resource).includes('*'), `${env} ${statement.Sid}: Resource "*"`);
    }

    const attachments = resources(stack, 'aws_iam_role_policy_attachment').filter((a) => /ci_prewarm-policy/.test(a.policy_arn as string));
    t.deepEqual(attachments.map((a) => /ci_(plan|apply|prewarm)-role/.exec(a.role as string)?.[1]), ['prewarm']);
  }
});

test('the pre-warm role holds the ci-prewarm policy and nothing else', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const prewarm = ciRoleStatements(bootstrapOf(env), 'prewarm');
    t.deepEqual(prewarm.attached, [`${resourceNames(env).prefix}-ci-prewarm-1`]);
    t.is(prewarm.inline, 0, `${env}: no inline policy on the pre-warm role`);
    t.deepEqual(
      prewarm.statements.flatMap((s) => asList(s.Action)).sort(),
      ['ecs:DescribeServices', 'ecs:DescribeTasks', 'ecs:RunTask', 'iam:PassRole'],
    );
  }
});

test('of the CI roles only the pre-warm role may start or watch a task; apply keeps its own policies', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const stack = bootstrapOf(env);
    const apply = ciRoleStatements(stack, 'apply');
    t.true(apply.attached.length >= 2, `${env}: the apply role keeps its read and write policies`);
    t.false(apply.attached.some((name) => name.includes('-ci-prewarm-')), `${env}: ${apply.attached.join(', ')}`);
    for (const kind of ['plan', 'apply'] as const) {
      const actions = ciRoleStatements(stack, kind).statements.flatMap((s) => asList(s.Action));
      t.true(actions.length > 50, `${env} ${kind}: policies found`);
      for (const action of ['ecs:RunTask', 'ecs:StartTask', 'ecs:DescribeTasks']) t.false(actions.includes(action), `${env}: ${kind} allows ${action}`);
    }
  }
});

test('task roles trust only ECS tasks of this account; instance roles only EC2', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const trusts = policies(stacks[env] as Synthesized).filter((p) => p.kind === 'trust');
    const services = trusts.map((p) => (p.statements[0]?.Principal as { Service?: string } | undefined)?.Service).filter(Boolean);
    t.true(services.every((s) => s === 'ecs-tasks.amazonaws.com' || s === 'ec2.amazonaws.com'));
    for (const trust of trusts.filter((p) => (p.statements[0]?.Principal as { Service?: string }).Service === 'ecs-tasks.amazonaws.com')) {
      t.deepEqual(trust.statements[0]?.Condition, { StringEquals: { 'aws:SourceAccount': ACCOUNT } });
    }
  }
});

test('CI roles trust only exact GitHub subjects of the configured repository: apply its GitHub environment, pre-warm `<env>-prewarm`', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const config = loadEnvironment(env);
    const repo = `repo:${config.ci.githubRepository}`;
    const stack = bootstrapOf(env);
    const roles = resources(stack, 'aws_iam_role').filter((r) => /-ci-(plan|pr-plan|apply|prewarm)$/.test(r.name as string));
    const kinds = config.ci.pullRequestPlans ? ['apply', 'plan', 'pr-plan', 'prewarm'] : ['apply', 'plan', 'prewarm'];
    t.deepEqual(roles.map((r) => r.name).sort(), kinds.map((kind) => `${resourceNames(env).prefix}-ci-${kind}`));
    t.is(config.ci.pullRequestPlans, env !== 'prod', 'prod has no role for pull requests');
    const expected: Record<string, string[]> = {
      // A prod plan reads state holding the Redis AUTH token: only after review (`prod-plan`) or on main.
      plan: [`${repo}:environment:${config.ci.githubEnvironment}-plan`, `${repo}:ref:refs/heads/main`],
      'pr-plan': [`${repo}:pull_request`],
      apply: [`${repo}:environment:${config.ci.githubEnvironment}`],
      // .github/workflows/prewarm.yml runs in `${{ matrix.env }}-prewarm`, matrix.env being the stack's name.
      prewarm: [`${repo}:environment:${env}-prewarm`],
    };
    for (const role of roles) {
      const kind = (role.name as string).split('-ci-').pop() as string;
      t.is(role.path, '/agentfleet-ci/', `${env} ${kind}: under the CI path, out of the apply role's role/<prefix>-* reach`);
      const { Statement: trust } = JSON.parse(role.assume_role_policy as string) as { Statement: PolicyStatementJson[] };
      t.is(trust.length, 1);
      const [statement] = trust;
      t.like(statement, { Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity' });
      t.regex((statement?.Principal as { Federated: string }).Federated, /^\$\{(data\.)?aws_iam_openid_connect_provider\.ci_github_[^.]+\.arn\}$/);
      t.deepEqual(Object.keys(statement?.Condition ?? {}), ['StringEquals'], `${env} ${kind}: only exact matches, no StringLike wildcards`);
      t.deepEqual(statement?.Condition?.StringEquals, {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': expected[kind],
      });
    }
  }
});

test('the plan role can read but not change anything besides its state lock', (t) => {
  const readOnly = /^[a-z0-9-]+:(Describe|Get|List|View)/;
  for (const env of ENVIRONMENT_NAMES) {
    const stack = bootstrapOf(env);
    const planAttachments = resources(stack, 'aws_iam_role_policy_attachment').filter((a) => /ci_(pr-)?plan-role/.test(a.role as string));
    t.true(planAttachments.length >= 1);
    t.true(planAttachments.every((a) => /ci_(pr-)?read-policy-\d+/.test(a.policy_arn as string)), 'the plan roles get only the read policies');
    const actions = resources(stack, 'aws_iam_policy')
      .filter((p) => /-ci-(pr-)?read-/.test(p.name as string))
      .flatMap((p) => (JSON.parse(p.policy as string) as { Statement: PolicyStatementJson[] }).Statement)
      .filter((s) => s.Effect === 'Allow')
      .flatMap((s) => asList(s.Action).map((action) => [action, s.Sid] as const));
    t.true(actions.length > 50);
    for (const [action, sid] of actions) {
      t.true(readOnly.test(action) || (sid === 'StateLock' && action.startsWith('s3:')), `${env}: ${action} in ${sid}`);
    }
  }
});

test('managed policies are packed under AWS\'s 6,144-character limit', (t) => {
  const statement = (i: number): PolicyStatement => ({ sid: `S${i}`, actions: [`sqs:Action${'x'.repeat(400)}`], resources: [`arn:aws:sqs:us-east-1:000000000000:q${i}`] });
  const statements = Array.from({ length: 40 }, (_, i) => statement(i));
  const groups = packStatements(statements, statements);
  t.true(groups.length > 1);
  t.deepEqual(groups.flat(), statements, 'nothing lost, order kept');
  for (const group of groups) t.true(policyDocument(group).length <= MANAGED_POLICY_MAX_CHARS);
  t.throws(() => packStatements([statement(0)], [{ ...statement(0), actions: ['x'.repeat(MANAGED_POLICY_MAX_CHARS)] }]), { message: /alone exceeds/ });
});

test('queues refuse requests without TLS', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const queuePolicies = policies(stacks[env] as Synthesized).filter((p) => p.where.startsWith('aws_sqs_queue_policy'));
    t.is(queuePolicies.length, 3, 'the run queue, the high-priority queue and the dead-letter queue');
    for (const policy of queuePolicies) {
      t.like(policy.statements[0], { Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    }
  }
});
