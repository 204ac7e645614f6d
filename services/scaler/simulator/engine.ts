import type { EnvironmentConfig, PoolName } from '../../../environments/index.js';
import { decide as productionDecide } from '../policy/decide.js';
import { policySettings } from '../policy/settings.js';
import { EMPTY_MEMORY, type Decision, type DecisionInput, type PolicyMemory } from '../policy/types.js';
import { scheduledFloors } from '../schedule.js';
import { AWS_MODEL } from './aws-model.js';
import { EventQueue } from './event-queue.js';
import { Fleet, type FleetEvent, type Run, type SimPool } from './fleet.js';
import { simulatedPools } from './pool-specs.js';
import { Random } from './random.js';
import { RunQueue } from './run-queue.js';
import { concurrencyAt, meanRunSeconds, runSecondsSigma, spotHazardPerSecond, type Trace } from './trace.js';

/**
 * The discrete-event simulation: a trace's arrivals go through a queue to the slots of simulated
 * pools, and every `tickSeconds` the scaler's own `decide` (services/scaler/policy/decide.ts, the
 * function the running scaler calls) sets each pool's desired size from what the scaler would observe.
 * Time is in seconds from the trace's start; the fleet starts at its floors one warm-up before it, so
 * the trace begins on a fleet that has settled to its load. Only the trace's window is measured.
 */

export type Policy = 'step' | 'backlog';

export interface SimulationOptions {
  seed: number;
  /** Default: the environment's `scaling.policy`. */
  policy?: Policy;
  /** Seconds simulated before the trace, at its first concurrency, and not measured. Default 1 h. */
  warmupSeconds?: number;
  /** The policy function; the production `decide` unless a test swaps it. */
  decide?: (input: DecisionInput) => Decision;
  /** Called with every decision and what it was decided on. */
  onDecision?: (input: DecisionInput, decision: Decision) => void;
  /** Share of the simulated time done, 0–1, once per tick. */
  onProgress?: (done: number) => void;
}

export interface PoolSample {
  desiredSlots: number;
  /** Slots taking runs (a machine under a Spot notice takes none and is leaving). */
  inServiceSlots: number;
  busySlots: number;
}

export interface TimelineSample {
  /** Seconds from the trace's start. */
  at: number;
  /** Runs that arrived since the previous sample. */
  arrivals: number;
  queued: number;
  running: number;
  pools: Record<PoolName, PoolSample>;
}

export interface PoolOutcome {
  name: PoolName;
  unitsPerMachine: number;
  slotsPerMachine: number;
  /** Machines launched (instances or tasks), the warm-up's included. */
  launched: number;
  /** Spot notices received. */
  reclaimed: number;
  /** Machine-seconds billed inside the trace (per second, one-minute minimum). */
  billedMachineSeconds: number;
  /** Most policy units held or coming up at once, and the pool's max in the same units. */
  peakUnits: number;
  maxUnits: number;
}

export interface SimulationResult {
  environment: string;
  trace: { name: string; start: string; durationSeconds: number };
  policy: Policy;
  seed: number;
  tickSeconds: number;
  warmupSeconds: number;
  /** Every run of the simulation, the warm-up's included: arrived = finished + running + queued. */
  runs: { arrived: number; finished: number; running: number; queued: number; handedBack: number };
  arrivedInTrace: number;
  /**
   * Queue waits in seconds, sorted, of every attempt that entered the queue inside the trace; a run
   * still queued at the end counts with the wait it has had so far.
   */
  waits: Float64Array;
  maxQueue: number;
  busySlotSeconds: number;
  inServiceSlotSeconds: number;
  pools: PoolOutcome[];
  timeline: TimelineSample[];
}

type Event = FleetEvent | { kind: 'arrivals' } | { kind: 'tick' } | { kind: 'finish'; run: Run; attempt: number };

export function simulate(config: EnvironmentConfig, trace: Trace, options: SimulationOptions): SimulationResult {
  const policy = options.policy ?? config.scaling.policy;
  const settings = policySettings(config, { policy });
  const decide = options.decide ?? productionDecide;
  const tickSeconds = config.scaling.tickSeconds;
  const warmupSeconds = options.warmupSeconds ?? 3600;
  const startMs = Date.parse(trace.start);
  const begin = -warmupSeconds;
  const end = trace.durationSeconds;
  const random = new Random(options.seed);
  const agenda = new EventQueue<Event>();
  const queue = new RunQueue();
  const pools = simulatedPools(config, trace, begin);
  const fleet = new Fleet(pools, {
    random,
    schedule: (at, event) => agenda.push(at, event),
    spotHazardPerSecond: spotHazardPerSecond(trace),
    windowEnd: end,
  });
  const meanSeconds = meanRunSeconds(trace);
  const sigma = runSecondsSigma(trace);

  const runs = { arrived: 0, finished: 0, running: 0, queued: 0, handedBack: 0 };
  const waits: number[] = [];
  const timeline: TimelineSample[] = [];
  const peakUnits = new Map<SimPool, number>();
  let arrivedInTrace = 0;
  let arrivalsSinceSample = 0;
  let maxQueue = 0;
  let busySlotSeconds = 0;
  let inServiceSlotSeconds = 0;
  let measuredUntil = 0;
  let memory: PolicyMemory = EMPTY_MEMORY;
  let nextRunId = 0;

  const clock = (at: number) => startMs + at * 1000;
  const notePeak = (pool: SimPool) => peakUnits.set(pool, Math.max(peakUnits.get(pool) ?? 0, pool.capacityUnits()));
  const reconcile = (pool: SimPool, now: number) => {
    fleet.reconcile(pool, now);
    notePeak(pool);
  };

  const enqueue = (run: Run, now: number) => {
    run.queuedAt = now;
    queue.push(run);
    if (now >= 0) maxQueue = Math.max(maxQueue, queue.length);
  };

  const dispatch = (now: number) => {
    for (;;) {
      const machine = fleet.free.values().next().value;
      if (!machine || queue.length === 0) return;
      const run = queue.shift() as Run;
      run.startedAt = now;
      if (run.queuedAt >= 0) waits.push(now - run.queuedAt);
      fleet.startRun(machine, run);
      runs.running++;
      agenda.push(now + run.seconds, { kind: 'finish', run, attempt: run.attempt });
    }
  };

  const handBack = (run: Run, now: number) => {
    fleet.endRun(run);
    runs.running--;
    runs.handedBack++;
    run.attempt++;
    enqueue(run, now);
  };

  /** Slot-seconds busy and in service, over the trace's window only. */
  const measure = (now: number) => {
    const to = Math.min(now, end);
    if (to <= measuredUntil) return;
    const from = Math.max(measuredUntil, 0);
    if (to > from) {
      busySlotSeconds += runs.running * (to - from);
      inServiceSlotSeconds += fleet.inServiceSlots * (to - from);
    }
    measuredUntil = to;
  };

  const tick = (now: number) => {
    const at = clock(now);
    const head = queue.peek();
    const input: DecisionInput = {
      now: at,
      queue: { visible: queue.length, inFlight: runs.running, oldestAgeSeconds: head ? Math.floor(now - head.queuedAt) : 0 },
      pools: pools.map((pool) => pool.state()),
      floors: scheduledFloors(config.scaling.prewarm, new Date(at)),
      memory,
      settings,
    };
    const decision = decide(input);
    options.onDecision?.(input, decision);
    memory = decision.memory;
    for (const pool of pools) {
      const planned = decision.pools.find((p) => p.name === pool.name);
      if (planned) pool.desired = planned.desired;
      reconcile(pool, now);
    }
    if (now >= 0) {
      timeline.push({
        at: now,
        arrivals: arrivalsSinceSample,
        queued: queue.length,
        running: runs.running,
        pools: Object.fromEntries(
          pools.map((pool) => [
            pool.name,
            { desiredSlots: pool.desired * pool.spec.shape.slotsPerUnit, inServiceSlots: pool.count('ready') * pool.spec.slotsPerMachine, busySlots: pool.busySlots() },
          ]),
        ) as Record<PoolName, PoolSample>,
      });
      maxQueue = Math.max(maxQueue, queue.length);
    }
    arrivalsSinceSample = 0;
    options.onProgress?.((now - begin) / (end - begin));
  };

  const arrivals = (now: number) => {
    const count = random.poisson(concurrencyAt(trace, Math.max(0, now) + 0.5) / meanSeconds);
    for (let i = 0; i < count; i++) {
      const seconds = random.logNormal(trace.runSeconds.medianSeconds, sigma);
      enqueue({ id: nextRunId++, arrivedAt: now, seconds, queuedAt: now, attempt: 1, startedAt: Number.NaN, machine: undefined }, now);
    }
    runs.arrived += count;
    arrivalsSinceSample += count;
    if (now >= 0) arrivedInTrace += count;
    dispatch(now);
  };

  const floorsAtStart = scheduledFloors(config.scaling.prewarm, new Date(clock(begin)));
  for (const pool of pools) {
    const floor = Math.max(0, ...floorsAtStart.filter((f) => f.pool === pool.name).map((f) => f.instances * pool.spec.shape.unitsPerInstance));
    fleet.seed(pool, Math.max(pool.spec.shape.min, floor), begin);
    notePeak(pool);
  }
  agenda.push(begin, { kind: 'tick' });
  agenda.push(begin, { kind: 'arrivals' });

  for (let next = agenda.pop(); next && next.at <= end; next = agenda.pop()) {
    const { at: now, event } = next;
    measure(now);
    switch (event.kind) {
      case 'arrivals':
        arrivals(now);
        if (now + 1 < end) agenda.push(now + 1, event);
        break;
      case 'tick':
        tick(now);
        agenda.push(now + tickSeconds, event);
        break;
      case 'finish':
        if (event.run.attempt !== event.attempt) break;
        fleet.endRun(event.run);
        runs.running--;
        runs.finished++;
        dispatch(now);
        break;
      case 'ready':
        fleet.ready(event.machine, now);
        notePeak(event.machine.pool);
        dispatch(now);
        break;
      case 'notice':
        if (event.machine.state !== 'ready') break;
        fleet.notice(event.machine, now);
        for (const run of [...event.machine.runs]) {
          if (run.startedAt + run.seconds - now > AWS_MODEL.spotNoticeSeconds) handBack(run, now);
        }
        dispatch(now);
        break;
      case 'reclaim':
        for (const run of [...event.machine.runs]) handBack(run, now);
        fleet.terminate(event.machine, now);
        reconcile(event.machine.pool, now);
        dispatch(now);
        break;
      case 'launch':
        event.pool.retryScheduled = false;
        reconcile(event.pool, now);
        break;
    }
  }
  measure(end);
  fleet.close(end);
  for (const run of queue) if (run.queuedAt >= 0) waits.push(end - run.queuedAt);
  runs.queued = queue.length;

  return {
    environment: config.name,
    trace: { name: trace.name, start: trace.start, durationSeconds: trace.durationSeconds },
    policy,
    seed: options.seed,
    tickSeconds,
    warmupSeconds,
    runs,
    arrivedInTrace,
    waits: Float64Array.from(waits).sort(),
    maxQueue,
    busySlotSeconds,
    inServiceSlotSeconds,
    pools: pools.map((pool) => ({
      name: pool.name,
      unitsPerMachine: pool.spec.unitsPerMachine,
      slotsPerMachine: pool.spec.slotsPerMachine,
      launched: pool.launched,
      reclaimed: pool.reclaimed,
      billedMachineSeconds: pool.billedMachineSeconds,
      peakUnits: peakUnits.get(pool) ?? 0,
      maxUnits: pool.spec.shape.max,
    })),
    timeline,
  };
}
