import { Construct } from 'constructs';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group/index.js';
import { Eip } from '@cdktf/provider-aws/lib/eip/index.js';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway/index.js';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway/index.js';
import { Route } from '@cdktf/provider-aws/lib/route/index.js';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table/index.js';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association/index.js';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group/index.js';
import { Subnet } from '@cdktf/provider-aws/lib/subnet/index.js';
import { Vpc } from '@cdktf/provider-aws/lib/vpc/index.js';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint/index.js';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule/index.js';
import { planSubnets } from './subnets.js';

/** AWS services workers reach privately when interface endpoints are on (S3 always has a gateway endpoint). */
export const INTERFACE_ENDPOINT_SERVICES = ['sqs', 'ecr.api', 'ecr.dkr', 'logs', 'secretsmanager'] as const;

export interface NetworkProps {
  /** Prefix of resource names, e.g. `agentfleet-prod`. */
  name: string;
  region: string;
  cidr: string;
  availabilityZones: string[];
  /** `one-per-az` keeps egress up when a zone fails; `single` saves two NAT gateways. */
  natGateways: 'single' | 'one-per-az';
  /**
   * Interface endpoints for {@link INTERFACE_ENDPOINT_SERVICES}: they cost per zone-hour but take
   * image pulls, queue polling and log shipping off the NAT gateway's per-GB charge.
   */
  interfaceEndpoints: boolean;
}

/**
 * A VPC over the given zones: public subnets for the load balancer and NAT gateways, private subnets
 * for everything else, an S3 gateway endpoint (free; ECR image layers come from S3) and optional
 * interface endpoints. The default security group is emptied so nothing uses it by accident.
 */
export class Network extends Construct {
  readonly vpcId: string;
  readonly cidr: string;
  readonly privateSubnetIds: string[];
  readonly publicSubnetIds: string[];

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const vpc = new Vpc(this, 'vpc', {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: props.name },
    });
    new DefaultSecurityGroup(this, 'default-sg-closed', { vpcId: vpc.id, ingress: [], egress: [] });

    const igw = new InternetGateway(this, 'igw', { vpcId: vpc.id, tags: { Name: props.name } });
    const publicRoutes = new RouteTable(this, 'public-routes', { vpcId: vpc.id, tags: { Name: `${props.name}-public` } });
    new Route(this, 'public-default', { routeTableId: publicRoutes.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id });

    const layout = planSubnets(props.cidr, props.availabilityZones);
    const publicSubnets = layout.map((plan, i) => {
      const subnet = new Subnet(this, `public-${i}`, {
        vpcId: vpc.id,
        availabilityZone: plan.zone,
        cidrBlock: plan.publicCidr,
        tags: { Name: `${props.name}-public-${plan.zone}`, Tier: 'public' },
      });
      new RouteTableAssociation(this, `public-${i}-routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });

    const natCount = props.natGateways === 'one-per-az' ? layout.length : 1;
    const nats = publicSubnets.slice(0, natCount).map((subnet, i) => {
      const ip = new Eip(this, `nat-${i}-ip`, { domain: 'vpc', tags: { Name: `${props.name}-nat-${i}` } });
      return new NatGateway(this, `nat-${i}`, {
        subnetId: subnet.id,
        allocationId: ip.allocationId,
        tags: { Name: `${props.name}-nat-${i}` },
        dependsOn: [igw],
      });
    });

    const privateRouteTables: RouteTable[] = [];
    const privateSubnets = layout.map((plan, i) => {
      const subnet = new Subnet(this, `private-${i}`, {
        vpcId: vpc.id,
        availabilityZone: plan.zone,
        cidrBlock: plan.privateCidr,
        tags: { Name: `${props.name}-private-${plan.zone}`, Tier: 'private' },
      });
      const routes = new RouteTable(this, `private-${i}-routes`, { vpcId: vpc.id, tags: { Name: `${props.name}-private-${plan.zone}` } });
      const nat = nats[i % nats.length];
      if (!nat) throw new Error('network: no NAT gateway to route through');
      new Route(this, `private-${i}-default`, { routeTableId: routes.id, destinationCidrBlock: '0.0.0.0/0', natGatewayId: nat.id });
      new RouteTableAssociation(this, `private-${i}-association`, { subnetId: subnet.id, routeTableId: routes.id });
      privateRouteTables.push(routes);
      return subnet;
    });

    new VpcEndpoint(this, 's3-endpoint', {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${props.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateRouteTables.map((t) => t.id),
      tags: { Name: `${props.name}-s3` },
    });

    if (props.interfaceEndpoints) {
      const endpointSg = new SecurityGroup(this, 'endpoints-sg', {
        name: `${props.name}-endpoints`,
        description: 'HTTPS from inside the VPC to interface endpoints',
        vpcId: vpc.id,
        tags: { Name: `${props.name}-endpoints` },
      });
      new VpcSecurityGroupIngressRule(this, 'endpoints-https', {
        securityGroupId: endpointSg.id,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: props.cidr,
        description: 'HTTPS from the VPC',
      });
      for (const service of INTERFACE_ENDPOINT_SERVICES) {
        new VpcEndpoint(this, `endpoint-${service.replace('.', '-')}`, {
          vpcId: vpc.id,
          serviceName: `com.amazonaws.${props.region}.${service}`,
          vpcEndpointType: 'Interface',
          privateDnsEnabled: true,
          subnetIds: privateSubnets.map((s) => s.id),
          securityGroupIds: [endpointSg.id],
          tags: { Name: `${props.name}-${service}` },
        });
      }
    }

    this.vpcId = vpc.id;
    this.cidr = props.cidr;
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
  }
}
