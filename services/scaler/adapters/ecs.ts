import { ClusterNotFoundException, DescribeServicesCommand, ECSClient, UpdateServiceCommand, type Service } from '@aws-sdk/client-ecs';
import type { FargatePoolName } from '../../../environments/index.js';
import { PoolNotFoundError, type CapacityPool, type PoolObservation } from './pool.js';

/**
 * A Fargate burst pool: one ECS service (`burst-spot` on FARGATE_SPOT, `burst-ondemand` on FARGATE),
 * counted in tasks. ECS services have no min/max of their own; the bounds come from the config.
 * Busy tasks protect themselves (ECS task scale-in protection, set by the worker), so ECS stops idle
 * tasks first when the desired count drops.
 */

export interface EcsPoolOptions {
  name: FargatePoolName;
  cluster: string;
  serviceName: string;
  min: number;
  max: number;
}

export class EcsPool implements CapacityPool {
  readonly kind = 'fargate';
  readonly name: FargatePoolName;

  constructor(
    private readonly client: ECSClient,
    private readonly options: EcsPoolOptions,
  ) {
    this.name = options.name;
  }

  async observe(): Promise<PoolObservation> {
    const service = await this.service();
    const desired = service.desiredCount ?? 0;
    const running = service.runningCount ?? 0;
    return {
      desired,
      running,
      // Not pendingCount: when FARGATE_SPOT has no capacity ECS creates no task at all (the service
      // only logs "unable to place a task"), so what is missing is desired − running.
      pending: Math.max(0, desired - running, service.pendingCount ?? 0),
      min: this.options.min,
      max: this.options.max,
    };
  }

  private async service(): Promise<Service> {
    const missing = new PoolNotFoundError(this.name, `ECS service ${this.options.serviceName} in cluster ${this.options.cluster}`);
    try {
      const answer = await this.client.send(new DescribeServicesCommand({ cluster: this.options.cluster, services: [this.options.serviceName] }));
      const service = answer.services?.find((s) => s.status !== 'INACTIVE');
      if (!service) throw missing;
      return service;
    } catch (error) {
      if (error instanceof ClusterNotFoundException) throw missing;
      throw error;
    }
  }

  async setDesired(units: number): Promise<void> {
    await this.client.send(new UpdateServiceCommand({ cluster: this.options.cluster, service: this.options.serviceName, desiredCount: units }));
  }
}
