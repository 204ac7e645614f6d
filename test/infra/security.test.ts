import test from 'ava';
import { ENVIRONMENT_NAMES, loadEnvironment, parseEnvironmentConfig, resourceNames } from '../../environments/index.js';
import { prod as prodSource } from '../../environments/prod.js';
import { AGENT_USER } from '../../modules/lib/agent-user.js';
import { imdsGuardRule } from '../../modules/worker-pool/user-data.js';
import { asList, resources, synthesizeAll, type PolicyStatementJson, type Synthesized } from './support/synthesized.js';

/**
 * Issue 12, read as a security reviewer: no role can widen itself, pull requests' code never meets
 * prod credentials, and prod has a hardened edge. Each test fails if its item regresses.
 */

const PARTITION = '${data.aws_partition.partition.partition}';
const ACCOUNT = '${data.aws_caller_identity.account.account_id}';

let stacks: Record<string, Synthesized>;
test.before(() => {
  stacks = synthesizeAll();
});
const fleet = (env: string) => stacks[env] as Synthesized;
const bootstrap = (env: string) => stacks[`${env}-bootstrap`] as Synthesized;

/** IAM's wildcard match (`*`, `?`), case-insensitive for actions. */
function matches(pattern: string, value: string, caseInsensitive = false): boolean {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'i' : '').test(value);
}

/**
 * Whether the statements let `action` on `resource` through: some Allow matches, and no Deny without
 * conditions does. Conditional Allows count as allowing (the pessimistic reading for a reviewer).
 */
function allowed(statements: PolicyStatementJson[], action: string, resource: string): boolean {
  const hit = (s: PolicyStatementJson) =>
    asList(s.Action).some((a) => matches(a, action, true)) && asList(s.Resource).some((r) => matches(r, resource));
  return statements.some((s) => s.Effect === 'Allow' && hit(s)) && !statements.some((s) => s.Effect === 'Deny' && !s.Condition && hit(s));
}

/** Every statement of the managed policies attached to a role of the bootstrap stack, by role name. */
function roleStatements(stack: Synthesized, roleName: string): PolicyStatementJson[] {
  const [key] = Object.entries(stack.resource.aws_iam_role ?? {}).find(([, r]) => r.name === roleName) ?? [];
  if (!key) throw new Error(`no role ${roleName}`);
  return resources(stack, 'aws_iam_role_policy_attachment')
    .filter((a) => a.role === `\${aws_iam_role.${key}.name}`)
    .flatMap((a) => {
      const policyKey = /^\$\{aws_iam_policy\.([^.]+)\.arn\}$/.exec(a.policy_arn as string)?.[1] ?? '';
      return (JSON.parse(stack.resource.aws_iam_policy?.[policyKey]?.policy as string) as { Statement: PolicyStatementJson[] }).Statement;
    });
}

const boundaryStatements = (env: string, name: string): PolicyStatementJson[] => {
  const policy = resources(bootstrap(env), 'aws_iam_policy').find((p) => p.name === name && p.path === '/agentfleet-boundary/');
  if (!policy) throw new Error(`no boundary ${name}`);
  return (JSON.parse(policy.policy as string) as { Statement: PolicyStatementJson[] }).Statement;
};

test('every role of every stack carries a permissions boundary: the workload boundary in the fleet, the CI boundary in bootstrap', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const { prefix } = resourceNames(env);
    const workload = `arn:${PARTITION}:iam::${ACCOUNT}:policy/agentfleet-boundary/${prefix}-workload`;
    const roles = resources(fleet(env), 'aws_iam_role');
    t.true(roles.length >= 8, `${env}: roles found`);
    for (const role of roles) t.is(role.permissions_boundary, workload, `${env} ${String(role.name)}`);
    const ciRoles = resources(bootstrap(env), 'aws_iam_role');
    t.true(ciRoles.length >= 3);
    for (const role of ciRoles) t.regex(role.permissions_boundary as string, /^\$\{aws_iam_policy\.ci_ci-boundary_[^.]+\.arn\}$/, `${env} ${String(role.name)}`);
  }
});

test('the workload boundary holds no IAM action, and every fleet role\'s own policy fits inside it', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const boundary = boundaryStatements(env, `${resourceNames(env).prefix}-workload`);
    t.false(boundary.flatMap((s) => asList(s.Action)).some((a) => a.startsWith('iam:') || a === '*'), `${env}: an IAM action in the boundary`);
    for (const policy of resources(fleet(env), 'aws_iam_role_policy')) {
      for (const statement of (JSON.parse(policy.policy as string) as { Statement: PolicyStatementJson[] }).Statement) {
        for (const action of asList(statement.Action)) {
          t.true(boundary.some((b) => asList(b.Action).includes(action)), `${env} ${String(policy.role)}: ${action} is outside the boundary`);
        }
      }
    }
  }
});

test('the workload boundary lets fleet roles use a KMS key only through SNS, and publish only to their own topics', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const boundary = boundaryStatements(env, `${resourceNames(env).prefix}-workload`);
    const kms = boundary.filter((s) => asList(s.Action).some((a) => a.startsWith('kms:')));
    t.deepEqual(kms.map((s) => s.Condition), [{ StringEquals: { 'kms:ViaService': 'sns.us-east-1.amazonaws.com' } }], env);
    const sns = boundary.filter((s) => asList(s.Action).some((a) => a.startsWith('sns:')));
    t.deepEqual(sns.flatMap((s) => asList(s.Resource)), [`arn:${PARTITION}:sns:us-east-1:${ACCOUNT}:${resourceNames(env).prefix}-*`], env);
  }
});

test('the apply role cannot change its own role, the other CI roles, the boundaries or the OIDC trust', (t) => {
  const writes = ['iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:DeleteRolePermissionsBoundary', 'iam:PutRolePermissionsBoundary'];
  for (const env of ENVIRONMENT_NAMES) {
    const { prefix } = resourceNames(env);
    const own = (kind: string) => `arn:${PARTITION}:iam::${ACCOUNT}:role/agentfleet-ci/${prefix}-ci-${kind}`;
    const statements = roleStatements(bootstrap(env), `${prefix}-ci-apply`);
    // The statements do let it manage the environment's other roles: the check can see an allow.
    t.true(allowed(statements, 'iam:PutRolePolicy', `arn:${PARTITION}:iam::${ACCOUNT}:role/${prefix}-api-task`));
    for (const kind of ['apply', 'plan', 'prewarm']) {
      for (const action of writes) t.false(allowed(statements, action, own(kind)), `${env}: ${action} on ${own(kind)}`);
    }
    const ownPolicies = [1, 2, 3].map((i) => `arn:${PARTITION}:iam::${ACCOUNT}:policy/agentfleet-ci/${prefix}-ci-write-${i}`);
    for (const arn of ownPolicies) {
      for (const action of ['iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion']) t.false(allowed(statements, action, arn), `${env}: ${action} on ${arn}`);
    }
    for (const boundary of ['workload', 'ci']) {
      const arn = `arn:${PARTITION}:iam::${ACCOUNT}:policy/agentfleet-boundary/${prefix}-${boundary}`;
      for (const action of ['iam:CreatePolicyVersion', 'iam:DeletePolicy', 'iam:SetDefaultPolicyVersion']) t.false(allowed(statements, action, arn), `${env}: ${action} on ${arn}`);
    }
    const oidc = `arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
    for (const action of ['iam:UpdateOpenIDConnectProviderThumbprint', 'iam:AddClientIDToOpenIDConnectProvider', 'iam:DeleteOpenIDConnectProvider']) {
      t.false(allowed(statements, action, oidc), `${env}: ${action}`);
    }
  }
});

test('the apply role creates or changes roles only with the workload boundary attached, and explicitly denies anything else', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const { prefix } = resourceNames(env);
    const workload = `arn:${PARTITION}:iam::${ACCOUNT}:policy/agentfleet-boundary/${prefix}-workload`;
    const statements = roleStatements(bootstrap(env), `${prefix}-ci-apply`);
    for (const action of ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:AttachRolePolicy']) {
      const grants = statements.filter((s) => s.Effect === 'Allow' && asList(s.Action).includes(action));
      for (const grant of grants) t.deepEqual(grant.Condition, { StringEquals: { 'iam:PermissionsBoundary': workload } }, `${env}: ${action}`);
      const deny = statements.find((s) => s.Effect === 'Deny' && asList(s.Action).includes(action) && asList(s.Resource).includes('*'));
      t.deepEqual(deny?.Condition, { StringNotEquals: { 'iam:PermissionsBoundary': workload } }, `${env}: ${action} is denied without the boundary`);
    }
    t.true(statements.some((s) => s.Effect === 'Deny' && asList(s.Action).includes('iam:DeleteRolePermissionsBoundary') && !s.Condition));
    // The CI boundary carries the same denies, so a policy attached by hand cannot lift them.
    const ciBoundary = boundaryStatements(env, `${prefix}-ci`);
    for (const sid of ['DenyTouchingCiRoles', 'DenyTouchingBoundaries', 'DenyTouchingOidcTrust', 'DenyRolePoliciesWithoutTheBoundary', 'DenyRemovingBoundaries']) {
      t.true(ciBoundary.some((s) => s.Sid === sid && s.Effect === 'Deny'), `${env}: CI boundary lacks ${sid}`);
    }
  }
});

test('EC2, ElastiCache, ECS and ELB writes of the apply role reach only this environment\'s resources', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const { prefix } = resourceNames(env);
    const statements = roleStatements(bootstrap(env), `${prefix}-ci-apply`).filter((s) => s.Effect === 'Allow');
    const tags = { 'aws:ResourceTag/Project': 'agentfleet', 'aws:ResourceTag/Environment': env, 'aws:ResourceTag/ManagedBy': 'cdktf' };
    for (const action of ['ec2:DeleteVpc', 'ec2:DeleteSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:DeleteNatGateway']) {
      const grants = statements.filter((s) => asList(s.Action).includes(action) && !asList(s.Resource).every((r) => /:ec2:[^:]*:[^:]*:[a-z-]+\/\*$/.test(r) && s.Condition?.StringEquals?.['aws:RequestTag/Environment']));
      t.true(grants.length > 0, `${env}: ${action} granted`);
      for (const grant of grants) t.deepEqual(grant.Condition, { StringEquals: tags }, `${env}: ${action} without the environment's tags`);
    }
    for (const action of ['elasticache:DeleteReplicationGroup', 'ecs:DeleteCluster', 'elasticloadbalancing:DeleteLoadBalancer']) {
      const resourcesOf = statements.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource));
      t.true(resourcesOf.length > 0);
      for (const resource of resourcesOf) t.true(resource.includes(prefix), `${env}: ${action} on ${resource}`);
    }
  }
});

test('no role trusted by pull requests may read runtime secrets or the prod state object; prod has no such role', (t) => {
  const prodState = `arn:${PARTITION}:s3:::${loadEnvironment('prod').state.bucket}/prod/terraform.tfstate`;
  let prTrusted = 0;
  for (const env of ENVIRONMENT_NAMES) {
    const stack = bootstrap(env);
    const { prefix } = resourceNames(env);
    for (const role of resources(stack, 'aws_iam_role')) {
      const trust = role.assume_role_policy as string;
      if (!trust.includes(':pull_request')) continue;
      prTrusted += 1;
      t.not(env, 'prod');
      const statements = roleStatements(stack, role.name as string);
      const secret = `arn:${PARTITION}:secretsmanager:us-east-1:${ACCOUNT}:secret:${prefix}-state-url-AbCdEf`;
      t.false(allowed(statements, 'secretsmanager:GetSecretValue', secret), `${env} ${String(role.name)}: reads ${secret}`);
      t.false(allowed(statements, 's3:GetObject', prodState), `${env} ${String(role.name)}: reads the prod state`);
      // Its own environment's state it may read (plans with -refresh=false start from it).
      t.true(allowed(statements, 's3:GetObject', `arn:${PARTITION}:s3:::${loadEnvironment(env).state.bucket}/${env}/terraform.tfstate`));
    }
  }
  t.is(prTrusted, 2, 'dev and staging each have a pull-request plan role');
  t.throws(() => parseEnvironmentConfig({ ...prodSource, ci: { ...prodSource.ci, pullRequestPlans: true } }), { message: /ci\.pullRequestPlans/ });
});

test('prod: WAF (AWS common rules, per-IP rate limit) on the load balancer, access logs to an encrypted bucket, deletion protection', (t) => {
  const stack = fleet('prod');
  const [acl] = resources(stack, 'aws_wafv2_web_acl');
  t.is(acl?.scope, 'REGIONAL');
  const rules = acl?.rule as { statement: Record<string, any>; action?: unknown }[];
  t.true(rules.some((r) => r.statement.managed_rule_group_statement?.name === 'AWSManagedRulesCommonRuleSet'));
  t.true(rules.some((r) => r.statement.rate_based_statement?.aggregate_key_type === 'IP' && r.statement.rate_based_statement?.limit === loadEnvironment('prod').api.edge?.rateLimitPerIpPer5Minutes));
  const [lbKey, lb] = Object.entries(stack.resource.aws_lb ?? {})[0] ?? [];
  const [association] = resources(stack, 'aws_wafv2_web_acl_association');
  t.is(association?.resource_arn, `\${aws_lb.${lbKey}.arn}`);
  t.is(lb?.enable_deletion_protection, true);
  t.is(lb?.access_logs?.enabled, true);
  const bucketKey = /^\$\{aws_s3_bucket\.([^.]+)\.bucket\}$/.exec(lb?.access_logs?.bucket as string)?.[1];
  t.truthy(bucketKey);
  const encryption = resources(stack, 'aws_s3_bucket_server_side_encryption_configuration').find((e) => e.bucket === `\${aws_s3_bucket.${bucketKey}.id}`);
  t.is(encryption?.rule?.[0]?.apply_server_side_encryption_by_default?.sse_algorithm, 'AES256');
  const policy = resources(stack, 'aws_s3_bucket_policy').find((p) => p.bucket === `\${aws_s3_bucket.${bucketKey}.id}`);
  t.regex(policy?.policy as string, /data\.aws_elb_service_account\.[^.]+\.arn/);
  for (const env of ['dev', 'staging']) t.is(resources(fleet(env), 'aws_wafv2_web_acl').length, 0, `${env}: no WAF (cost)`);
  t.throws(() => parseEnvironmentConfig({ ...prodSource, api: { ...prodSource.api, edge: undefined } }), { message: /api\.edge/ });
});

test('the alerts topic is KMS-encrypted and notifies the configured subscribers; prod refuses to build with none', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const stack = fleet(env);
    const [topic] = resources(stack, 'aws_sns_topic');
    t.regex(topic?.kms_master_key_id as string, /^\$\{aws_kms_key\.[^.]+\.arn\}$/);
    t.is(resources(stack, 'aws_kms_key')[0]?.enable_key_rotation, true);
    const subscribers = loadEnvironment(env).alerts.subscribers;
    t.deepEqual(
      resources(stack, 'aws_sns_topic_subscription').map((s) => ({ protocol: s.protocol, endpoint: s.endpoint })),
      subscribers,
    );
  }
  t.throws(() => parseEnvironmentConfig({ ...prodSource, alerts: { subscribers: [] } }), { message: /alerts\.subscribers: prod needs/ });
});

test('the API role may send only to the runs queue, not to the dead-letter queue', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const stack = fleet(env);
    const [queueKey] = Object.entries(stack.resource.aws_sqs_queue ?? {}).find(([, q]) => q.name === resourceNames(env).queue) ?? [];
    const [dlqKey] = Object.entries(stack.resource.aws_sqs_queue ?? {}).find(([, q]) => q.name === resourceNames(env).deadLetterQueue) ?? [];
    const apiPolicy = resources(stack, 'aws_iam_role_policy').find((p) => (p.role as string).includes('api_task_task-role'));
    const statements = (JSON.parse(apiPolicy?.policy as string) as { Statement: PolicyStatementJson[] }).Statement;
    t.true(allowed(statements, 'sqs:SendMessage', `\${aws_sqs_queue.${queueKey}.arn}`));
    t.false(allowed(statements, 'sqs:SendMessage', `\${aws_sqs_queue.${dlqKey}.arn}`), `${env}: the API may send to the DLQ`);
    t.true(allowed(statements, 'sqs:GetQueueAttributes', `\${aws_sqs_queue.${dlqKey}.arn}`), 'GET /v1/queue reads the DLQ depth');
  }
});

test('EC2 workers boot with the rule keeping command agents (AGENT_UID) from IMDS, and reach IMDS themselves in one hop', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    for (const template of resources(fleet(env), 'aws_launch_template')) {
      const userData = template.user_data as string;
      t.true(userData.includes(imdsGuardRule(AGENT_USER.uid)), `${env}: the IMDS rule is missing`);
      t.true(userData.includes(`AGENT_UID=${AGENT_USER.uid}`));
      t.true(userData.includes('--network host --user 0:0'));
      t.like(template.metadata_options, { http_tokens: 'required', http_put_response_hop_limit: 1 });
    }
  }
});

test('Fargate burst workers start command agents as their own user, so agents never learn the task role\'s credentials URI', (t) => {
  for (const env of ENVIRONMENT_NAMES) {
    const names = resourceNames(env);
    for (const pool of ['burst-spot', 'burst-ondemand'] as const) {
      const definition = resources(fleet(env), 'aws_ecs_task_definition').find((d) => d.family === names.pools[pool]);
      const [container] = JSON.parse(definition?.container_definitions as string) as Record<string, any>[];
      t.is(container?.user, '0', 'root, only to switch users');
      const environment = Object.fromEntries((container?.environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
      t.like(environment, { AGENT_UID: String(AGENT_USER.uid), AGENT_GID: String(AGENT_USER.gid) });
      const dropped = container?.linuxParameters?.capabilities?.drop as string[];
      t.true(dropped.includes('NET_RAW') && dropped.includes('DAC_OVERRIDE'));
      t.false(['SETUID', 'SETGID', 'KILL'].some((cap) => dropped.includes(cap)), 'the worker keeps what it needs to switch users and signal agents');
    }
  }
});
