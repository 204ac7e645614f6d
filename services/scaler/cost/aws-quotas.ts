/**
 * Account quotas a large fleet runs into, as AWS documents them. Defaults are per account and Region,
 * new accounts start lower and AWS raises some with usage, so the planner states what the fleet needs
 * and labels these as defaults, never as the account's actual values (read those in Service Quotas).
 */
export interface AccountQuota {
  id: 'ec2-spot-vcpu' | 'ec2-on-demand-vcpu' | 'fargate-spot-vcpu' | 'fargate-on-demand-vcpu' | 'ecs-tasks-per-service';
  name: string;
  /** Service Quotas code, for `aws service-quotas get-service-quota`. */
  code: string;
  unit: 'vCPU' | 'tasks';
  /** AWS's documented default, when it publishes one; undefined: account-specific. */
  documentedDefault?: number;
  source: string;
}

export const ACCOUNT_QUOTAS: readonly AccountQuota[] = [
  {
    id: 'ec2-spot-vcpu',
    name: 'EC2 All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests',
    code: 'ec2 L-34B43A08',
    unit: 'vCPU',
    documentedDefault: 5,
    source: 'AWS EC2 User Guide, "Spot Instance quotas" (default 5, adjustable; AWS raises it with usage)',
  },
  {
    id: 'ec2-on-demand-vcpu',
    name: 'EC2 Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
    code: 'ec2 L-1216C47A',
    unit: 'vCPU',
    source: 'AWS EC2 User Guide, "Amazon EC2 service quotas" (account-specific; new accounts start low)',
  },
  {
    id: 'fargate-spot-vcpu',
    name: 'Fargate Spot vCPU resource count',
    code: 'fargate L-36FBB829',
    unit: 'vCPU',
    source: 'AWS ECS Developer Guide, "AWS Fargate service quotas" (account-specific since the 2022 move to vCPU quotas)',
  },
  {
    id: 'fargate-on-demand-vcpu',
    name: 'Fargate On-Demand vCPU resource count',
    code: 'fargate L-3032A538',
    unit: 'vCPU',
    source: 'AWS ECS Developer Guide, "AWS Fargate service quotas" (account-specific since the 2022 move to vCPU quotas)',
  },
  {
    id: 'ecs-tasks-per-service',
    name: 'ECS tasks per service',
    code: 'ecs L-4637F321',
    unit: 'tasks',
    documentedDefault: 5000,
    source: 'AWS ECS Developer Guide, "Amazon ECS service quotas" (default 5,000, adjustable)',
  },
];
