/**
 * Subnet layout of the VPC, computed from its CIDR: one large private subnet per zone (workers, tasks,
 * Redis and endpoints live there; Fargate takes one address per task) and one small public subnet per
 * zone (load balancer and NAT gateways only). The VPC is cut into as many equal blocks as zones + 1:
 * a block per zone for private subnets, the last block split 16 ways for the public ones.
 */

export interface SubnetPlan {
  zone: string;
  privateCidr: string;
  publicCidr: string;
}

function parseCidr(cidr: string): { base: number; prefix: number } {
  const [address, prefixText] = cidr.split('/');
  const octets = (address ?? '').split('.').map(Number);
  const prefix = Number(prefixText);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) || !Number.isInteger(prefix)) {
    throw new Error(`"${cidr}" is not an IPv4 CIDR`);
  }
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  if (base % size !== 0) throw new Error(`"${cidr}" has host bits set`);
  return { base, prefix };
}

function formatCidr(base: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256);
  return `${octets.join('.')}/${prefix}`;
}

/** The `index`-th block of `extraBits` more prefix bits inside `cidr` (Terraform's cidrsubnet). */
export function cidrSubnet(cidr: string, extraBits: number, index: number): string {
  const { base, prefix } = parseCidr(cidr);
  const newPrefix = prefix + extraBits;
  if (newPrefix > 28) throw new Error(`${cidr} cannot be cut into /${newPrefix} subnets (AWS minimum is /28)`);
  if (index < 0 || index >= 2 ** extraBits) throw new Error(`subnet ${index} does not fit ${extraBits} extra bits`);
  return formatCidr(base + index * 2 ** (32 - newPrefix), newPrefix);
}

const PUBLIC_SPLIT_BITS = 4;

export function planSubnets(vpcCidr: string, zones: readonly string[]): SubnetPlan[] {
  if (zones.length === 0) throw new Error('at least one zone is needed');
  const blockBits = Math.ceil(Math.log2(zones.length + 1));
  const publicBlock = cidrSubnet(vpcCidr, blockBits, 2 ** blockBits - 1);
  return zones.map((zone, i) => ({
    zone,
    privateCidr: cidrSubnet(vpcCidr, blockBits, i),
    publicCidr: cidrSubnet(publicBlock, PUBLIC_SPLIT_BITS, i),
  }));
}
