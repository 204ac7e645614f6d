import { join } from 'node:path';
import test from 'ava';
import { AgentsFileError, loadAgentCatalog, parseAgentsFile } from '../../services/core/agents/catalog.js';
import { agentBreakerSettings, AgentBreakers, holdDelayMs, MIN_HOLD_MS, type AgentBreakerSettings } from '../../services/worker/agent-breakers.js';
import type { BreakerOptions, BreakerState } from '../../services/worker/breaker.js';
import { loadConfig } from '../../services/core/config.js';
import { workerOptionsFromConfig } from '../../services/worker/main.js';
import { eventually } from './helpers/recording-context.js';

const DEFAULTS: BreakerOptions = { errorPercent: 10, windowSeconds: 300, minAttempts: 20, cooldownSeconds: 60 };
const repo = join(import.meta.dirname, '..', '..');

test('an agent without a breaker section counts transient failures with the worker thresholds', (t) => {
  const catalog = parseAgentsFile({ agents: { plain: { type: 'simulate' } } }, repo);
  t.deepEqual(agentBreakerSettings(catalog.get('plain'), DEFAULTS), { counts: ['agent-transient'], thresholds: DEFAULTS });
  t.deepEqual(agentBreakerSettings(undefined, DEFAULTS), { counts: ['agent-transient'], thresholds: DEFAULTS }, 'an agent this worker does not know');
});

test("an agent's breaker section picks the classes it counts and overrides thresholds one by one", (t) => {
  const catalog = parseAgentsFile(
    { agents: { strict: { type: 'simulate', breaker: { counts: ['agent-transient', 'agent-permanent'], minAttempts: 5, cooldownSeconds: 120 } } } },
    repo,
  );
  t.deepEqual(agentBreakerSettings(catalog.get('strict'), DEFAULTS), {
    counts: ['agent-transient', 'agent-permanent'],
    thresholds: { errorPercent: 10, windowSeconds: 300, minAttempts: 5, cooldownSeconds: 120 },
  });
});

test('the agents file refuses a breaker section it does not understand, naming the field', (t) => {
  const refuse = (breaker: unknown) => t.throws(() => parseAgentsFile({ agents: { a: { type: 'simulate', breaker } } }, repo), { instanceOf: AgentsFileError });
  t.regex(refuse({ counts: ['platform'] })?.message ?? '', /agents\.a\.breaker\.counts\.0/);
  t.regex(refuse({ errorPercent: 101 })?.message ?? '', /agents\.a\.breaker\.errorPercent/);
  t.regex(refuse({ cooldown: 5 })?.message ?? '', /agents\.a\.breaker/);
});

test('the example and chaos agents files still load unchanged', (t) => {
  t.true(loadAgentCatalog(join(repo, 'examples/agents/agents.json')).has('word-count'));
  t.true(loadAgentCatalog(join(repo, 'chaos/agents/agents.json')).has('chaos-record'));
});

test('a held delivery waits until the breaker turns half-open, with jitter, and never less than a second', (t) => {
  t.is(holdDelayMs('open', 42_000, 60, 0), 42_000);
  t.is(holdDelayMs('open', 42_000, 60, 0.5), 45_000, 'jitter spreads over a tenth of the cooldown');
  t.is(holdDelayMs('open', 0, 60, 0), MIN_HOLD_MS, 'due now: back in a second, not in a loop');
  t.is(holdDelayMs('open', 0, 2, 0.5), 1_500, 'a short cooldown still gets a second of jitter');
  t.is(holdDelayMs('half-open', 0, 60, 0), 60_000, 'while a probe is out: the whole cooldown, so held runs do not cycle');
});

function breakers(thresholds: Partial<BreakerOptions> = {}, counts: AgentBreakerSettings['counts'] = ['agent-transient']) {
  const changes: [string, BreakerState][] = [];
  const settings = { counts, thresholds: { ...DEFAULTS, minAttempts: 2, ...thresholds } };
  const kept = new AgentBreakers(() => settings, (agent, state) => changes.push([agent, state]), () => 0);
  return { kept, changes };
}

test("agent A's open breaker holds A's deliveries and lets B's run", async (t) => {
  const { kept, changes } = breakers();
  t.teardown(() => kept.shutdown());
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: false });
  kept.record('a', 'agent-transient', false);
  kept.record('a', 'agent-transient', false);
  kept.record('b', 'success', false);
  await eventually(() => kept.states().a === 'open', "A's breaker to open");
  t.deepEqual(changes, [['a', 'open']]);
  const held = kept.admit('a');
  t.is(held.kind, 'hold');
  t.true(held.kind === 'hold' && held.delayMs > 59_000 && held.delayMs <= 60_000, 'until the cooldown is over');
  t.deepEqual(kept.admit('b'), { kind: 'run', probe: false });
  t.deepEqual(kept.admit('never-seen'), { kind: 'run', probe: false });
  t.deepEqual(kept.states(), { a: 'open', b: 'closed' });
});

test('permanent failures, platform failures and cancels never open an agent breaker that counts only transient ones', async (t) => {
  const { kept } = breakers({ minAttempts: 1 });
  t.teardown(() => kept.shutdown());
  for (let i = 0; i < 50; i++) {
    kept.record('a', 'agent-permanent', false);
    kept.record('a', 'platform', false);
    kept.record('a', 'ignored', false);
  }
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: false });
  t.deepEqual(kept.states(), {}, 'no breaker is made for outcomes that do not count');
});

test('an agent that counts permanent failures opens on them', async (t) => {
  const { kept } = breakers({ minAttempts: 1 }, ['agent-permanent']);
  t.teardown(() => kept.shutdown());
  kept.record('a', 'agent-permanent', false);
  await eventually(() => kept.states().a === 'open', "A's breaker to open");
  t.is(kept.admit('a').kind, 'hold');
});

test("half-open: one of A's runs is the probe; an inconclusive probe lets another through; its outcome closes or reopens", async (t) => {
  // A cooldown of 50 ms so the test sees half-open; the default (60 s) is the same code path (holdDelayMs above).
  const { kept, changes } = breakers({ minAttempts: 1, cooldownSeconds: 0.05 });
  t.teardown(() => kept.shutdown());
  kept.record('a', 'agent-transient', false);
  await eventually(() => kept.states().a === 'half-open', 'half-open');
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: true });
  t.like(kept.admit('a'), { kind: 'hold' }, 'only one probe at a time');
  kept.record('a', 'agent-permanent', true);
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: true }, 'a permanent failure says nothing: another probe');
  kept.record('a', 'agent-transient', true);
  await eventually(() => kept.states().a === 'open', 'open again after a failed probe');
  await eventually(() => kept.states().a === 'half-open', 'half-open again');
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: true });
  kept.probeInconclusive('a');
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: true });
  kept.record('a', 'success', true);
  await eventually(() => kept.states().a === 'closed', 'closed after a successful probe');
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: false });
  t.deepEqual(
    changes.map(([, state]) => state),
    ['open', 'half-open', 'open', 'half-open', 'closed'],
  );
});

test("half-open: a run of A's that started before the breaker opened does not decide; A's probe does", async (t) => {
  const { kept, changes } = breakers({ minAttempts: 1, cooldownSeconds: 0.05 });
  t.teardown(() => kept.shutdown());
  kept.record('a', 'agent-transient', false);
  await eventually(() => kept.states().a === 'half-open', 'half-open');
  t.deepEqual(kept.admit('a'), { kind: 'run', probe: true });
  kept.record('a', 'success', false);
  kept.record('a', 'agent-transient', false);
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(kept.states(), { a: 'half-open' });
  t.like(kept.admit('a'), { kind: 'hold' }, 'the probe is still out');
  kept.record('a', 'success', true);
  await eventually(() => kept.states().a === 'closed', "closed by the probe's success");
  t.deepEqual(
    changes.map(([, state]) => state),
    ['open', 'half-open', 'closed'],
  );
});

test("production defaults: an agent failing one run in five keeps running; one failing most of its runs is held back (AGENT_BREAKER_ERROR_PERCENT 50, the platform's 10)", async (t) => {
  const options = workerOptionsFromConfig(loadConfig({}), 'w');
  t.is(options.breaker.errorPercent, 10);
  t.is(options.agentBreakerErrorPercent, 50);
  const thresholds = { ...options.breaker, errorPercent: options.agentBreakerErrorPercent ?? Number.NaN };
  const states = new Map<string, BreakerState>();
  const breakers = new AgentBreakers(
    () => ({ counts: ['agent-transient'], thresholds }),
    (agent, state) => states.set(agent, state),
  );
  t.teardown(() => breakers.shutdown());
  for (let i = 0; i < 40; i++) {
    breakers.record('bad-day', i % 5 === 0 ? 'agent-transient' : 'success', false);
    breakers.record('broken', i % 5 === 0 ? 'success' : 'agent-transient', false);
  }
  await eventually(() => states.get('broken') === 'open', "the mostly failing agent's breaker to open");
  t.is(breakers.admit('bad-day').kind, 'run', '20 % failures: still running');
  t.is(breakers.admit('broken').kind, 'hold');
});
