import { Construct } from 'constructs';
import { Fn } from 'cdktf';
import { AutoscalingGroup } from '@cdktf/provider-aws/lib/autoscaling-group/index.js';
import { AutoscalingLifecycleHook } from '@cdktf/provider-aws/lib/autoscaling-lifecycle-hook/index.js';
import { AutoscalingPolicy } from '@cdktf/provider-aws/lib/autoscaling-policy/index.js';
import { AutoscalingSchedule } from '@cdktf/provider-aws/lib/autoscaling-schedule/index.js';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter/index.js';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { LaunchTemplate } from '@cdktf/provider-aws/lib/launch-template/index.js';
import { AGENT_USER } from '../lib/agent-user.js';
import { arn, type AwsContext } from '../lib/aws-context.js';
import { containerLaunchStatements, type ContainerSpec } from '../lib/container.js';
import { policyDocument, serviceTrustPolicy, type PolicyStatement } from '../lib/iam.js';
import { workerUserData } from './user-data.js';

/** Latest Amazon Linux 2023 for arm64 (Graviton), published by AWS as a public SSM parameter. */
export const ARM64_AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64';

/**
 * Terraform evaluates function arguments as HCL quoted strings, so the script's backslashes, double
 * quotes and newlines are escaped before it goes into base64encode(); references to other resources
 * inside it stay live interpolations.
 */
function asHclStringContent(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * The instance metadata service as every EC2 instance sees it. With it set, the worker watches for Spot
 * notices and scale-in and reports its instance id (the scaler protects busy instances from scale-in);
 * Fargate tasks have no IMDS and never get it.
 */
export const EC2_IMDS_ENDPOINT = 'http://169.254.169.254';

/** EC2 basic monitoring reports CPU every 5 minutes; alarms cannot look closer than that. */
const BASIC_MONITORING_PERIOD_SECONDS = 300;

export interface WorkerPoolProps {
  /** ASG name; also the prefix of its role, launch template, policies and alarms. */
  name: string;
  /** `spot`: every instance Spot; `on-demand`: every instance On-Demand. */
  market: 'spot' | 'on-demand';
  /** Types the ASG may launch, each weighted by its slots. */
  instanceTypes: { type: string; slots: number }[];
  /** ASG size limits in capacity units, i.e. slots. */
  minSlots: number;
  maxSlots: number;
  subnetIds: string[];
  securityGroupIds: string[];
  rootVolumeGiB: number;
  container: ContainerSpec;
  /** Permissions the worker needs at run time (queue, metrics), beyond booting and draining. */
  permissions: PolicyStatement[];
  /** Extra environment for this pool's workers. */
  environment: Record<string, string>;
  /** How long a terminating instance may drain before the ASG terminates it anyway. */
  drainTimeoutSeconds: number;
  /** Recurring floors: at each `recurrence` (five-field cron, UTC) the ASG minimum becomes `minSlots`. */
  schedules: { name: string; recurrence: string; minSlots: number }[];
  cpu: {
    /** Target tracking adds capacity above this average CPU. */
    scaleOutAbovePercent: number;
    /** Below this for `scaleInAfterSeconds`, remove `scaleInPercent` of the capacity. */
    scaleInBelowPercent: number;
    scaleInAfterSeconds: number;
    scaleInPercent: number;
  };
  aws: AwsContext;
  /**
   * Tags for the instances and volumes the ASG launches (the provider's default tags do not reach
   * them): the environment's own tags, which CI's tag-scoped permissions recognise.
   */
  tags: Record<string, string>;
  amiParameter?: string;
}

/**
 * One EC2 worker pool: a launch template (arm64 AMI from SSM, IMDSv2 only, encrypted gp3 root volume,
 * user data that runs the worker image) and an ASG whose mixed-instances policy weights every type by
 * its slots, so desired capacity is counted in concurrent runs. Spot pools use price-capacity-optimized
 * allocation and capacity rebalancing. A termination lifecycle hook gives each worker time to drain;
 * desired capacity belongs to the scaler (and the CPU safety net), so Terraform never resets it.
 */
export class WorkerPool extends Construct {
  readonly asgName: string;
  readonly asgArn: string;
  readonly roleName: string;

  constructor(scope: Construct, id: string, props: WorkerPoolProps) {
    super(scope, id);
    const asgArn = arn(props.aws, 'autoscaling', `autoScalingGroup:*:autoScalingGroupName/${props.name}`);
    const drainHookName = `${props.name}-drain`;

    const role = new IamRole(this, 'role', {
      name: `${props.name}-worker`,
      assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'),
    });
    new IamRolePolicy(this, 'role-policy', {
      role: role.id,
      name: 'worker',
      policy: policyDocument([
        ...containerLaunchStatements(props.container),
        {
          sid: 'DrainOwnInstance',
          actions: [
            'autoscaling:CompleteLifecycleAction',
            'autoscaling:RecordLifecycleActionHeartbeat',
            'autoscaling:SetInstanceProtection',
            'autoscaling:SetInstanceHealth',
          ],
          resources: [asgArn],
        },
        ...props.permissions,
      ]),
    });
    const profile = new IamInstanceProfile(this, 'profile', { name: `${props.name}-worker`, role: role.name });

    const ami = new DataAwsSsmParameter(this, 'ami', { name: props.amiParameter ?? ARM64_AMI_PARAMETER });
    const userData = workerUserData({
      region: props.aws.region,
      container: props.container,
      slotsByType: Object.fromEntries(props.instanceTypes.map((t) => [t.type, t.slots])),
      environment: { ...props.environment, IMDS_ENDPOINT: EC2_IMDS_ENDPOINT, WORKER_LIFECYCLE_HOOK: drainHookName, WORKER_ASG_NAME: props.name },
      stopTimeoutSeconds: props.drainTimeoutSeconds,
      agentUser: AGENT_USER,
    });
    const tags = { Name: props.name, 'agentfleet:pool': props.name, ...props.tags };
    const template = new LaunchTemplate(this, 'launch-template', {
      name: props.name,
      imageId: ami.value,
      updateDefaultVersion: true,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: props.securityGroupIds,
      userData: Fn.base64encode(asHclStringContent(userData)),
      metadataOptions: {
        httpEndpoint: 'enabled',
        httpTokens: 'required',
        // The worker shares the host's network (user-data.ts), so one hop; a bridged container gets no token.
        httpPutResponseHopLimit: 1,
        httpProtocolIpv6: 'disabled',
        instanceMetadataTags: 'disabled',
      },
      blockDeviceMappings: [
        {
          deviceName: '/dev/xvda',
          ebs: { volumeSize: props.rootVolumeGiB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
        },
      ],
      tagSpecifications: [
        { resourceType: 'instance', tags },
        { resourceType: 'volume', tags },
      ],
    });

    const spot = props.market === 'spot';
    const asg = new AutoscalingGroup(this, 'asg', {
      name: props.name,
      minSize: props.minSlots,
      maxSize: props.maxSlots,
      vpcZoneIdentifier: props.subnetIds,
      capacityRebalance: spot,
      healthCheckType: 'EC2',
      healthCheckGracePeriod: 300,
      defaultInstanceWarmup: 180,
      enabledMetrics: ['GroupDesiredCapacity', 'GroupInServiceCapacity', 'GroupPendingCapacity', 'GroupTerminatingCapacity', 'GroupTotalCapacity'],
      mixedInstancesPolicy: {
        instancesDistribution: {
          onDemandBaseCapacity: 0,
          onDemandPercentageAboveBaseCapacity: spot ? 0 : 100,
          onDemandAllocationStrategy: 'lowest-price',
          spotAllocationStrategy: 'price-capacity-optimized',
        },
        launchTemplate: {
          launchTemplateSpecification: { launchTemplateId: template.id, version: Fn.tostring(template.latestVersion) },
          override: props.instanceTypes.map((t) => ({ instanceType: t.type, weightedCapacity: String(t.slots) })),
        },
      },
      instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 90 } },
      tag: Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      lifecycle: {
        // The scaler owns desired capacity; pre-warm schedules move the minimum during the day.
        ignoreChanges: props.schedules.length > 0 ? ['desired_capacity', 'min_size'] : ['desired_capacity'],
      },
    });

    new AutoscalingLifecycleHook(this, 'drain-hook', {
      name: drainHookName,
      autoscalingGroupName: asg.name,
      lifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
      heartbeatTimeout: props.drainTimeoutSeconds,
      defaultResult: 'CONTINUE',
    });

    for (const schedule of props.schedules) {
      new AutoscalingSchedule(this, `schedule-${schedule.name}`, {
        autoscalingGroupName: asg.name,
        scheduledActionName: schedule.name,
        recurrence: schedule.recurrence,
        timeZone: 'Etc/UTC',
        minSize: schedule.minSlots,
        // -1 leaves the maximum and the desired capacity as they are.
        maxSize: -1,
        desiredCapacity: -1,
      });
    }

    new AutoscalingPolicy(this, 'cpu-target', {
      name: `${props.name}-cpu-target`,
      autoscalingGroupName: asg.name,
      policyType: 'TargetTrackingScaling',
      targetTrackingConfiguration: {
        predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' },
        targetValue: props.cpu.scaleOutAbovePercent,
        // Scale-in is the slow step policy below, not target tracking's own.
        disableScaleIn: true,
      },
    });
    const scaleIn = new AutoscalingPolicy(this, 'cpu-scale-in', {
      name: `${props.name}-cpu-scale-in`,
      autoscalingGroupName: asg.name,
      policyType: 'StepScaling',
      adjustmentType: 'PercentChangeInCapacity',
      // Always at least one instance's worth of slots, or small pools would never shrink.
      minAdjustmentMagnitude: Math.max(...props.instanceTypes.map((t) => t.slots)),
      metricAggregationType: 'Average',
      stepAdjustment: [{ scalingAdjustment: -props.cpu.scaleInPercent, metricIntervalUpperBound: '0' }],
    });
    new CloudwatchMetricAlarm(this, 'cpu-low', {
      alarmName: `${props.name}-cpu-low`,
      alarmDescription: `Average CPU below ${props.cpu.scaleInBelowPercent}% for ${props.cpu.scaleInAfterSeconds} s: scale in slowly.`,
      namespace: 'AWS/EC2',
      metricName: 'CPUUtilization',
      dimensions: { AutoScalingGroupName: props.name },
      statistic: 'Average',
      period: BASIC_MONITORING_PERIOD_SECONDS,
      evaluationPeriods: Math.max(1, Math.ceil(props.cpu.scaleInAfterSeconds / BASIC_MONITORING_PERIOD_SECONDS)),
      threshold: props.cpu.scaleInBelowPercent,
      comparisonOperator: 'LessThanThreshold',
      alarmActions: [scaleIn.arn],
    });

    this.asgName = asg.name;
    this.asgArn = asgArn;
    this.roleName = role.name;
  }
}
