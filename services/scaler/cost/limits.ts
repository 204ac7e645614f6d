import type { EnvironmentConfig, PoolName } from '../../../environments/index.js';
import { GRAVITON_SHAPES } from '../../../environments/catalog.js';
import { ACCOUNT_QUOTAS, type AccountQuota } from './aws-quotas.js';

/**
 * What a mix needs from the config's limits and from the AWS account. A config limit (a pool's max,
 * the burst cap) is known exactly; an account quota is stated as what the mix needs, beside AWS's
 * documented default when there is one.
 */

export interface ConfigLimit {
  /** Dotted path in the environment config, e.g. `pools.spot.max`. */
  path: string;
  current: number;
  needed: number;
  raise: boolean;
}

export interface QuotaNeed extends AccountQuota {
  needed: number;
  /** True when the need is above the documented default (or the default is not published). */
  check: boolean;
}

function vcpuOfInstance(type: string): number {
  return (GRAVITON_SHAPES as Record<string, { vcpu: number }>)[type]?.vcpu ?? 0;
}

export function configLimits(config: EnvironmentConfig, units: Record<PoolName, number>): ConfigLimit[] {
  const limit = (path: string, current: number, needed: number): ConfigLimit => ({ path, current, needed, raise: needed > current });
  return [
    limit('pools.spot.max', config.pools.spot.max, units.spot),
    limit('pools.on-demand.max', config.pools['on-demand'].max, units['on-demand']),
    limit('pools.burst-spot.max', config.pools['burst-spot'].max, units['burst-spot']),
    limit('pools.burst-ondemand.max', config.pools['burst-ondemand'].max, units['burst-ondemand']),
    limit('scaling.burst.maxTotalTasks', config.scaling.burst.maxTotalTasks, units['burst-spot'] + units['burst-ondemand']),
  ];
}

/** vCPUs and tasks the mix runs, counted as the quotas count them (EC2 at the nominal type's vCPUs). */
export function quotaNeeds(config: EnvironmentConfig, units: Record<PoolName, number>): QuotaNeed[] {
  const taskVcpu = config.worker.fargateTask.cpu / 1024;
  const needs: Record<AccountQuota['id'], number> = {
    'ec2-spot-vcpu': units.spot * vcpuOfInstance(config.pools.spot.nominalInstanceType),
    'ec2-on-demand-vcpu': units['on-demand'] * vcpuOfInstance(config.pools['on-demand'].nominalInstanceType),
    'fargate-spot-vcpu': units['burst-spot'] * taskVcpu,
    'fargate-on-demand-vcpu': units['burst-ondemand'] * taskVcpu,
    'ecs-tasks-per-service': Math.max(units['burst-spot'], units['burst-ondemand']),
  };
  return ACCOUNT_QUOTAS.map((quota) => {
    const needed = needs[quota.id];
    return { ...quota, needed, check: needed > 0 && (quota.documentedDefault === undefined || needed > quota.documentedDefault) };
  });
}
