import { arn } from '../lib/aws-context.js';
import type { PolicyStatement } from '../lib/iam.js';
import type { PermissionScope } from './scope.js';

/**
 * EC2 and KMS name resources by generated ids, so "this environment's" means "carries the tags the
 * stack's provider puts on everything" (`default_tags`): changes need the tags on the resource
 * (`aws:ResourceTag`), creation needs them in the request (`aws:RequestTag`, tag-on-create), and only
 * the created resource's type is matched by the request-tag statement, so a tagged request cannot
 * reach into someone else's VPC, subnet or security group (those are checked by their own tags).
 */

/** Created resource type → the actions that create it. */
const EC2_CREATES: Record<string, string[]> = {
  vpc: ['ec2:CreateVpc'],
  subnet: ['ec2:CreateSubnet'],
  'internet-gateway': ['ec2:CreateInternetGateway'],
  'elastic-ip': ['ec2:AllocateAddress'],
  natgateway: ['ec2:CreateNatGateway'],
  'route-table': ['ec2:CreateRouteTable'],
  'vpc-endpoint': ['ec2:CreateVpcEndpoint'],
  'security-group': ['ec2:CreateSecurityGroup'],
  'security-group-rule': ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress'],
  'launch-template': ['ec2:CreateLaunchTemplate'],
};

/** Changes to existing resources (and the parents a create touches: the VPC of a new subnet). */
const EC2_CHANGES = [
  ...Object.values(EC2_CREATES).flat(),
  'ec2:DeleteVpc', 'ec2:ModifyVpcAttribute', 'ec2:DeleteSubnet', 'ec2:ModifySubnetAttribute',
  'ec2:AttachInternetGateway', 'ec2:DetachInternetGateway', 'ec2:DeleteInternetGateway',
  'ec2:ReleaseAddress', 'ec2:DisassociateAddress', 'ec2:DeleteNatGateway',
  'ec2:DeleteRouteTable', 'ec2:CreateRoute', 'ec2:ReplaceRoute', 'ec2:DeleteRoute', 'ec2:AssociateRouteTable', 'ec2:DisassociateRouteTable',
  'ec2:ModifyVpcEndpoint', 'ec2:DeleteVpcEndpoints',
  'ec2:DeleteSecurityGroup', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress', 'ec2:ModifySecurityGroupRules',
  'ec2:UpdateSecurityGroupRuleDescriptionsIngress', 'ec2:UpdateSecurityGroupRuleDescriptionsEgress',
  'ec2:CreateLaunchTemplateVersion', 'ec2:ModifyLaunchTemplate', 'ec2:DeleteLaunchTemplate', 'ec2:DeleteLaunchTemplateVersions',
  'ec2:CreateTags', 'ec2:DeleteTags',
];

const KMS_CHANGES = [
  'kms:PutKeyPolicy', 'kms:EnableKeyRotation', 'kms:DisableKeyRotation', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
  'kms:UpdateKeyDescription', 'kms:TagResource', 'kms:UntagResource',
];
const KMS_READS = ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'];

function tagCondition(key: 'aws:ResourceTag' | 'aws:RequestTag', tags: Record<string, string>): Record<string, Record<string, string>> {
  return { StringEquals: Object.fromEntries(Object.entries(tags).map(([name, value]) => [`${key}/${name}`, value])) };
}

export function taggedReadStatements({ aws, ownTags }: PermissionScope): PolicyStatement[] {
  return [
    { sid: 'Ec2LaunchTemplateDataRead', actions: ['ec2:GetLaunchTemplateData'], resources: [arn(aws, 'ec2', '*')] },
    { sid: 'OwnKeysRead', actions: KMS_READS, resources: [arn(aws, 'kms', 'key/*')], conditions: tagCondition('aws:ResourceTag', ownTags) },
  ];
}

export function taggedWriteStatements({ aws, ownTags }: PermissionScope): PolicyStatement[] {
  const ec2 = (resource: string) => arn(aws, 'ec2', resource);
  const ownLaunchTemplates = ec2('launch-template/*');
  return [
    // One statement per created type, so a tagged request cannot reach another type's (foreign) resource.
    ...Object.entries(EC2_CREATES).map(([type, actions]) => ({
      sid: `Ec2Create${type.replace(/(^|-)([a-z])/g, (_match: string, _dash: string, letter: string) => letter.toUpperCase())}Tagged`,
      actions,
      resources: [ec2(`${type}/*`)],
      conditions: tagCondition('aws:RequestTag', ownTags),
    })),
    { sid: 'Ec2ChangeOwn', actions: EC2_CHANGES, resources: [ec2('*')], conditions: tagCondition('aws:ResourceTag', ownTags) },
    {
      sid: 'Ec2TagOnCreate',
      actions: ['ec2:CreateTags'],
      resources: [ec2('*')],
      conditions: { StringEquals: { 'ec2:CreateAction': [...Object.values(EC2_CREATES).flat(), 'ec2:RunInstances'].map((action) => action.replace('ec2:', '')) } },
    },
    {
      // An ASG's creator must be allowed to launch from its template; only launches from a template.
      sid: 'Ec2LaunchFromTemplate',
      actions: ['ec2:RunInstances'],
      resources: [ec2('*'), arn(aws, 'ec2', 'image/*', { account: '' })],
      conditions: { ArnLike: { 'ec2:LaunchTemplate': ownLaunchTemplates } },
    },
    { sid: 'KmsCreateTagged', actions: ['kms:CreateKey'], resources: ['*'], conditions: tagCondition('aws:RequestTag', ownTags) },
    { sid: 'OwnKeysWrite', actions: KMS_CHANGES, resources: [arn(aws, 'kms', 'key/*')], conditions: tagCondition('aws:ResourceTag', ownTags) },
  ];
}
