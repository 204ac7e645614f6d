import test from 'ava';
import { AgentsFileError, parseAgentsFile } from '../../services/core/agents/catalog.js';

function withFootprint(footprint: unknown) {
  return { agents: { greet: { type: 'command', command: ['sh', 'greet.sh'], footprint } } };
}

test('an agent may state its footprint, and the catalog keeps it', (t) => {
  const catalog = parseAgentsFile(withFootprint({ vcpu: 0.05, memoryGiB: 0.125 }), '/tmp');
  t.deepEqual(catalog.get('greet')?.footprint, { vcpu: 0.05, memoryGiB: 0.125 });
});

test('a footprint is optional', (t) => {
  t.is(parseAgentsFile({ agents: { greet: { type: 'command', command: ['true'] } } }, '/tmp').get('greet')?.footprint, undefined);
});

const BAD: [string, unknown, RegExp][] = [
  ['zero vCPU', { vcpu: 0, memoryGiB: 1 }, /agents\.greet\.footprint\.vcpu: vcpu must be above 0/],
  ['negative memory', { vcpu: 1, memoryGiB: -2 }, /agents\.greet\.footprint\.memoryGiB: memoryGiB must be above 0/],
  ['memory as text', { vcpu: 1, memoryGiB: '2' }, /agents\.greet\.footprint\.memoryGiB:/],
  ['missing vCPU', { memoryGiB: 2 }, /agents\.greet\.footprint\.vcpu:/],
  ['more vCPU than any machine', { vcpu: 65, memoryGiB: 2 }, /agents\.greet\.footprint\.vcpu: vcpu above 64/],
  ['an unknown field', { vcpu: 1, memoryGiB: 2, memoryMiB: 2048 }, /agents\.greet\.footprint: .*memoryMiB/],
];

for (const [what, footprint, message] of BAD) {
  test(`a footprint with ${what} is refused, naming the field`, (t) => {
    const error = t.throws(() => parseAgentsFile(withFootprint(footprint), '/tmp', 'agents.json'), { instanceOf: AgentsFileError });
    t.regex(error?.message ?? '', message);
  });
}
