import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  SetInstanceProtectionCommand,
  type AutoScalingGroup,
  type Instance,
} from '@aws-sdk/client-auto-scaling';
import type { Ec2PoolName } from '../../../environments/index.js';
import { PoolNotFoundError, type CapacityPool, type PoolObservation } from './pool.js';

/**
 * An EC2 pool: one Auto Scaling group whose capacity is counted in slots (each instance type's
 * weighted capacity is its slots). Reads DescribeAutoScalingGroups, sets SetDesiredCapacity, and
 * protects busy instances from scale-in with SetInstanceProtection; the ASG's termination lifecycle
 * hook lets the worker on an instance it does remove drain first.
 */

export interface AsgPoolOptions {
  name: Ec2PoolName;
  groupName: string;
  /** Capacity units of an instance without a WeightedCapacity (a group with no mixed-instances policy). */
  defaultInstanceWeight: number;
}

/** SetInstanceProtection takes at most 50 instance ids per call. */
const PROTECTION_BATCH = 50;

export class AsgPool implements CapacityPool {
  readonly kind = 'ec2-asg';
  readonly name: Ec2PoolName;

  constructor(
    private readonly client: AutoScalingClient,
    private readonly options: AsgPoolOptions,
  ) {
    this.name = options.name;
  }

  async observe(): Promise<PoolObservation> {
    const group = await this.group();
    let running = 0;
    let pending = 0;
    for (const instance of group.Instances ?? []) {
      const state = instance.LifecycleState ?? '';
      if (state === 'InService') running += this.weight(instance);
      else if (state.startsWith('Pending')) pending += this.weight(instance);
    }
    return { desired: group.DesiredCapacity ?? 0, running, pending, min: group.MinSize ?? 0, max: group.MaxSize ?? 0 };
  }

  async setDesired(units: number): Promise<void> {
    // HonorCooldown false: the scaler keeps its own cooldowns; the group's would silently drop the call.
    await this.client.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: this.options.groupName, DesiredCapacity: units, HonorCooldown: false }));
  }

  /** Protects in-service instances whose workers are busy and lifts protection from the idle ones. */
  async protectBusy(busyInstanceIds: ReadonlySet<string>): Promise<void> {
    const group = await this.group();
    const protect: string[] = [];
    const release: string[] = [];
    for (const instance of group.Instances ?? []) {
      if (instance.LifecycleState !== 'InService' || !instance.InstanceId) continue;
      const busy = busyInstanceIds.has(instance.InstanceId);
      if (busy && !instance.ProtectedFromScaleIn) protect.push(instance.InstanceId);
      if (!busy && instance.ProtectedFromScaleIn) release.push(instance.InstanceId);
    }
    await this.setProtection(protect, true);
    await this.setProtection(release, false);
  }

  private async setProtection(ids: readonly string[], protectedFromScaleIn: boolean): Promise<void> {
    for (let i = 0; i < ids.length; i += PROTECTION_BATCH) {
      await this.client.send(
        new SetInstanceProtectionCommand({
          AutoScalingGroupName: this.options.groupName,
          InstanceIds: ids.slice(i, i + PROTECTION_BATCH),
          ProtectedFromScaleIn: protectedFromScaleIn,
        }),
      );
    }
  }

  private async group(): Promise<AutoScalingGroup> {
    const answer = await this.client.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [this.options.groupName] }));
    const group = answer.AutoScalingGroups?.[0];
    if (!group) throw new PoolNotFoundError(this.name, `Auto Scaling group ${this.options.groupName}`);
    return group;
  }

  private weight(instance: Instance): number {
    const weight = Number(instance.WeightedCapacity);
    return Number.isFinite(weight) && weight > 0 ? weight : this.options.defaultInstanceWeight;
  }
}
