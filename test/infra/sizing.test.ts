import test from 'ava';
import fc from 'fast-check';
import { GRAVITON_SHAPES, type GravitonType } from '../../environments/catalog.js';
import { slotsOn, slotsPerFargateTask, weightedTypes } from '../../environments/sizing.js';

const agent = { vcpu: 0.5, memoryGiB: 2 };

test('the brief\'s agent footprint reproduces its slots table', (t) => {
  const slots = Object.fromEntries(weightedTypes(['c6g.xlarge', 'c6g.2xlarge', 'm6g.xlarge', 'm6g.2xlarge', 'r6g.xlarge'], agent).map((w) => [w.type, w.slots]));
  t.deepEqual(slots, { 'c6g.xlarge': 4, 'c6g.2xlarge': 8, 'm6g.xlarge': 8, 'm6g.2xlarge': 16, 'r6g.xlarge': 8 });
});

test('a 1 vCPU / 2 GiB burst task holds one 0.5 vCPU / 2 GiB run', (t) => {
  t.is(slotsPerFargateTask({ cpu: 1024, memoryMiB: 2048 }, agent), 1);
  t.is(slotsPerFargateTask({ cpu: 4096, memoryMiB: 8192 }, agent), 4);
});

test('slots never promise more CPU or memory than the machine has', (t) => {
  const types = Object.keys(GRAVITON_SHAPES) as GravitonType[];
  fc.assert(
    fc.property(
      fc.constantFrom(...types),
      fc.double({ min: 0.125, max: 8, noNaN: true }),
      fc.double({ min: 0.25, max: 64, noNaN: true }),
      (type, vcpu, memoryGiB) => {
        const shape = GRAVITON_SHAPES[type];
        const slots = slotsOn(shape, { vcpu, memoryGiB });
        return Number.isInteger(slots) && slots >= 0 && slots * vcpu <= shape.vcpu + 1e-9 && slots * memoryGiB <= shape.memoryGiB + 1e-9;
      },
    ),
  );
  t.pass();
});
