import test from 'ava';
import fc from 'fast-check';
import { cidrSubnet, planSubnets } from '../../modules/network/subnets.js';

function range(cidr: string): [number, number] {
  const [address = '', prefix = '32'] = cidr.split('/');
  const base = address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
  return [base, base + 2 ** (32 - Number(prefix)) - 1];
}

test('a /16 over three zones gives a /18 private and a /22 public subnet per zone', (t) => {
  t.deepEqual(planSubnets('10.40.0.0/16', ['a', 'b', 'c']), [
    { zone: 'a', privateCidr: '10.40.0.0/18', publicCidr: '10.40.192.0/22' },
    { zone: 'b', privateCidr: '10.40.64.0/18', publicCidr: '10.40.196.0/22' },
    { zone: 'c', privateCidr: '10.40.128.0/18', publicCidr: '10.40.200.0/22' },
  ]);
});

test('subnets lie inside the VPC and never overlap, for any VPC size and zone count', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 16, max: 20 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 255 }), (prefix, zones, second) => {
      const vpc = cidrSubnet(`10.0.0.0/8`, prefix - 8, second % 2 ** (prefix - 8));
      const [low, high] = range(vpc);
      const cidrs = planSubnets(vpc, Array.from({ length: zones }, (_, i) => `z${i}`)).flatMap((s) => [s.privateCidr, s.publicCidr]);
      const ranges = cidrs.map(range).sort((a, b) => a[0] - b[0]);
      return ranges.every(([start, end], i) => start >= low && end <= high && (i === 0 || start > (ranges[i - 1]?.[1] ?? -1)));
    }),
  );
  t.pass();
});

test('a CIDR with host bits set is refused', (t) => {
  t.throws(() => planSubnets('10.40.0.1/16', ['a']), { message: /host bits/ });
});
