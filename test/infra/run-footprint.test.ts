import test from 'ava';
import deployedAgentsJson from '../../examples/agents/agents.json' with { type: 'json' };
import { ENVIRONMENT_NAMES, loadEnvironment } from '../../environments/index.js';
import { GRAVITON_SHAPES, type GravitonType } from '../../environments/catalog.js';
import { BRIEF_AGENT_RUN, DEPLOYED_AGENTS_FILE, runFootprintOf } from '../../environments/deployed-agents.js';
import { slotFootprint, slotsOn, slotsPerFargateTask } from '../../environments/sizing.js';
import { AgentsFileError } from '../../services/core/agents/catalog.js';

const command = (footprint?: { vcpu: number; memoryGiB: number }) => ({ type: 'command', command: ['true'], ...(footprint ? { footprint } : {}) });

test('a slot takes the largest vCPU and the largest memory among the agents, which may come from different agents', (t) => {
  const agents = { agents: { thinker: command({ vcpu: 0.25, memoryGiB: 0.25 }), reader: command({ vcpu: 0.05, memoryGiB: 1 }) } };
  t.deepEqual(runFootprintOf(agents, 'test'), { vcpu: 0.25, memoryGiB: 1 });
});

test('an agent without a footprint counts as the brief\'s 0.5 vCPU / 2 GiB', (t) => {
  const agents = { agents: { small: command({ vcpu: 0.05, memoryGiB: 0.125 }), unknown: command() } };
  t.deepEqual(runFootprintOf(agents, 'test'), BRIEF_AGENT_RUN);
});

test('a file with no agents (only the built-in simulate) sizes for the brief\'s agent', (t) => {
  t.deepEqual(runFootprintOf({ agents: {} }, 'test'), BRIEF_AGENT_RUN);
  t.deepEqual(slotFootprint([], { vcpu: 1, memoryGiB: 3 }), { vcpu: 1, memoryGiB: 3 });
});

test('a bad footprint in the deployed file stops the config, naming the file and the field', (t) => {
  const error = t.throws(() => runFootprintOf({ agents: { small: command({ vcpu: -1, memoryGiB: 1 }) } }, DEPLOYED_AGENTS_FILE), { instanceOf: AgentsFileError });
  t.regex(error?.message ?? '', /examples\/agents\/agents\.json: agents\.small\.footprint\.vcpu/);
});

const expected = runFootprintOf(deployedAgentsJson, DEPLOYED_AGENTS_FILE);

for (const name of ENVIRONMENT_NAMES) {
  test(`${name}: every slot count follows the footprint of the agents file it deploys`, (t) => {
    const config = loadEnvironment(name);
    t.deepEqual(config.worker.run, expected);
    for (const pool of ['spot', 'on-demand'] as const) {
      for (const { type, slots } of config.pools[pool].instanceTypes) {
        t.is(slots, slotsOn(GRAVITON_SHAPES[type as GravitonType], expected), `${pool} ${type}`);
      }
    }
    t.is(config.worker.fargateTask.slots, slotsPerFargateTask(config.worker.fargateTask, expected));
  });
}

test('every example agent states its measured footprint, so the environments do not fall back to the brief\'s agent', (t) => {
  const agents = Object.entries(deployedAgentsJson.agents) as [string, { footprint?: unknown }][];
  t.true(agents.length >= 4);
  for (const [name, agent] of agents) t.truthy(agent.footprint, `${name} has no footprint`);
  t.true(expected.vcpu < BRIEF_AGENT_RUN.vcpu && expected.memoryGiB < BRIEF_AGENT_RUN.memoryGiB, JSON.stringify(expected));
});
