import { Construct } from 'constructs';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy/index.js';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target/index.js';
import { EcsService } from '@cdktf/provider-aws/lib/ecs-service/index.js';
import { Lb } from '@cdktf/provider-aws/lib/lb/index.js';
import { LbListener, type LbListenerDefaultAction } from '@cdktf/provider-aws/lib/lb-listener/index.js';
import { LbTargetGroup } from '@cdktf/provider-aws/lib/lb-target-group/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import type { AwsContext } from '../lib/aws-context.js';
import type { ContainerSpec } from '../lib/container.js';
import { FargateTask } from '../lib/fargate-task.js';
import type { PolicyStatement } from '../lib/iam.js';
import { ApiEdge } from './edge.js';

/** DESIGN §4: the API listens on PORT, 8080 by default. */
const API_PORT = 8080;
/** A TLS policy that allows only TLS 1.2 and 1.3. */
const TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-2021-06';

export interface ApiServiceProps {
  /** ECS service, load balancer and target group name (the last two allow ≤ 32 characters). */
  name: string;
  clusterArn: string;
  clusterName: string;
  vpcId: string;
  publicSubnetIds: string[];
  privateSubnetIds: string[];
  /** Never fewer than 2 tasks, spread over the private subnets' zones. */
  minTasks: number;
  maxTasks: number;
  task: { cpu: number; memoryMiB: number };
  container: ContainerSpec;
  permissions: PolicyStatement[];
  /** `https` terminates TLS at the load balancer with `certificateArn` and redirects HTTP to it. */
  listener: { protocol: 'http' } | { protocol: 'https'; certificateArn: string };
  allowedCidrs: string[];
  /** WAF, access logs and deletion protection (prod); absent: a plain load balancer. */
  edge?: { rateLimitPerIpPer5Minutes: number; accessLogRetentionDays: number };
  /** Scale between `minTasks` and `maxTasks` to keep average CPU near this; absent: a fixed `minTasks`. */
  cpuTargetPercent?: number;
  aws: AwsContext;
}

/**
 * The HTTP API: an internet-facing ALB in the public subnets in front of a Fargate service in the
 * private subnets, at least two tasks across zones, rolled back automatically when a deployment
 * fails, and scaled on CPU between `minTasks` and `maxTasks`. Health checks use /healthz (process
 * alive) so a Redis outage yields the API's own 503s rather than an empty target group.
 */
export class ApiService extends Construct {
  readonly url: string;
  readonly securityGroupId: string;
  readonly loadBalancerDnsName: string;

  constructor(scope: Construct, id: string, props: ApiServiceProps) {
    super(scope, id);
    if (props.minTasks < 2) throw new Error(`api-service: minTasks ${props.minTasks} < 2 leaves a single zone serving`);

    const albSg = new SecurityGroup(this, 'alb-sg', {
      name: `${props.name}-alb`,
      description: 'agentfleet API load balancer',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-alb` },
    });
    const taskSg = new SecurityGroup(this, 'task-sg', {
      name: `${props.name}-task`,
      description: 'agentfleet API tasks',
      vpcId: props.vpcId,
      tags: { Name: `${props.name}-task` },
    });
    const ports = props.listener.protocol === 'https' ? [80, 443] : [80];
    props.allowedCidrs.forEach((cidr, i) => {
      for (const port of ports) {
        new VpcSecurityGroupIngressRule(this, `alb-in-${port}-${i}`, {
          securityGroupId: albSg.id,
          cidrIpv4: cidr,
          ipProtocol: 'tcp',
          fromPort: port,
          toPort: port,
          description: `clients on ${port}`,
        });
      }
    });
    new VpcSecurityGroupEgressRule(this, 'alb-to-tasks', {
      securityGroupId: albSg.id,
      referencedSecurityGroupId: taskSg.id,
      ipProtocol: 'tcp',
      fromPort: API_PORT,
      toPort: API_PORT,
      description: 'to API tasks',
    });
    new VpcSecurityGroupIngressRule(this, 'tasks-from-alb', {
      securityGroupId: taskSg.id,
      referencedSecurityGroupId: albSg.id,
      ipProtocol: 'tcp',
      fromPort: API_PORT,
      toPort: API_PORT,
      description: 'from the load balancer',
    });
    new VpcSecurityGroupEgressRule(this, 'tasks-out', {
      securityGroupId: taskSg.id,
      cidrIpv4: '0.0.0.0/0',
      ipProtocol: '-1',
      description: 'Redis, SQS and AWS APIs',
    });

    const edge = props.edge ? new ApiEdge(this, 'edge', { name: props.name, ...props.edge, aws: props.aws }) : undefined;
    const alb = new Lb(this, 'alb', {
      name: props.name,
      loadBalancerType: 'application',
      internal: false,
      subnets: props.publicSubnetIds,
      securityGroups: [albSg.id],
      dropInvalidHeaderFields: true,
      // Run event streams (SSE) stay open between events.
      idleTimeout: 300,
      ...(edge
        ? {
            enableDeletionProtection: true,
            accessLogs: { bucket: edge.logBucket, prefix: edge.logPrefix, enabled: true },
            dependsOn: [edge.policyDependency],
          }
        : {}),
    });
    edge?.associate(alb.arn);
    const targets = new LbTargetGroup(this, 'targets', {
      name: props.name,
      port: API_PORT,
      protocol: 'HTTP',
      targetType: 'ip',
      vpcId: props.vpcId,
      deregistrationDelay: '30',
      healthCheck: { path: '/healthz', matcher: '200', interval: 15, healthyThreshold: 2, unhealthyThreshold: 3, timeout: 5 },
    });
    const forward: LbListenerDefaultAction = { type: 'forward', targetGroupArn: targets.arn };
    if (props.listener.protocol === 'https') {
      new LbListener(this, 'https', {
        loadBalancerArn: alb.arn,
        port: 443,
        protocol: 'HTTPS',
        sslPolicy: TLS_POLICY,
        certificateArn: props.listener.certificateArn,
        defaultAction: [forward],
      });
      new LbListener(this, 'http-redirect', {
        loadBalancerArn: alb.arn,
        port: 80,
        protocol: 'HTTP',
        defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
      });
    } else {
      new LbListener(this, 'http', { loadBalancerArn: alb.arn, port: 80, protocol: 'HTTP', defaultAction: [forward] });
    }

    const task = new FargateTask(this, 'task', {
      family: props.name,
      cpu: props.task.cpu,
      memoryMiB: props.task.memoryMiB,
      cpuArchitecture: 'ARM64',
      container: props.container,
      containerOptions: { name: 'api', environment: { HOST: '0.0.0.0', PORT: String(API_PORT) }, portMappings: [{ containerPort: API_PORT }] },
      taskPermissions: props.permissions,
      aws: props.aws,
    });
    const service = new EcsService(this, 'service', {
      name: props.name,
      cluster: props.clusterArn,
      taskDefinition: task.arn,
      desiredCount: props.minTasks,
      launchType: 'FARGATE',
      networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [taskSg.id], assignPublicIp: false },
      loadBalancer: [{ targetGroupArn: targets.arn, containerName: 'api', containerPort: API_PORT }],
      healthCheckGracePeriodSeconds: 30,
      deploymentMinimumHealthyPercent: 100,
      deploymentMaximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      availabilityZoneRebalancing: 'ENABLED',
      enableEcsManagedTags: true,
      propagateTags: 'SERVICE',
      // Application Auto Scaling owns the task count after creation.
      lifecycle: { ignoreChanges: ['desired_count'] },
      dependsOn: [targets],
    });
    if (props.cpuTargetPercent !== undefined) this.scaleOnCpu(service, props, props.cpuTargetPercent);

    const scheme = props.listener.protocol === 'https' ? 'https' : 'http';
    this.url = `${scheme}://${alb.dnsName}`;
    this.loadBalancerDnsName = alb.dnsName;
    this.securityGroupId = taskSg.id;
  }

  private scaleOnCpu(service: EcsService, props: ApiServiceProps, targetPercent: number): void {
    const scalable = new AppautoscalingTarget(this, 'scaling-target', {
      serviceNamespace: 'ecs',
      scalableDimension: 'ecs:service:DesiredCount',
      resourceId: `service/${props.clusterName}/${props.name}`,
      minCapacity: props.minTasks,
      maxCapacity: props.maxTasks,
      dependsOn: [service],
    });
    new AppautoscalingPolicy(this, 'scaling-cpu', {
      name: `${props.name}-cpu`,
      serviceNamespace: scalable.serviceNamespace,
      scalableDimension: scalable.scalableDimension,
      resourceId: scalable.resourceId,
      policyType: 'TargetTrackingScaling',
      targetTrackingScalingPolicyConfiguration: {
        targetValue: targetPercent,
        predefinedMetricSpecification: { predefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
  }
}
