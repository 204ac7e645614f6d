import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { LONGEST_UNSENT_WAIT_MS } from '../../services/api/unsent-run-sweeper.js';
import { startRedis, type TestRedis } from '../../test/support/redis.js';
import type { RunObject } from './api-client.js';
import { DevStack } from './dev-stack.js';
import { executionsOf, parseJournal, summarizeExecutions, type Execution, type ExecutionSummary } from './executions.js';
import { censusOf, TERMINAL_STATUSES, type RunCensus } from './result.js';
import type { ScenarioContext } from './scenario.js';
import { sleep } from './wait.js';

/**
 * What every scenario does around its fault: a private Redis and `agentfleet dev` on it, runs of the
 * journalling chaos agents submitted over HTTP (each id kept), a wait until they are all terminal or
 * the deadline passes, then the census (API) and the execution count (journal).
 */

export type ChaosAgent = 'chaos-record' | 'chaos-record-module' | 'chaos-flaky';

export interface SessionOptions {
  name: string;
  /** Redis with an append-only file fsynced on every write, so a restart keeps what was acknowledged. */
  durableRedis?: boolean;
  slots: number;
  minWorkers: number;
  maxWorkers: number;
  env?: Record<string, string>;
}

export interface RunRequest {
  agent: ChaosAgent;
  durationMs: number;
  fail?: boolean;
  /** An absolute path: the run fails while that file exists. */
  failWhile?: string;
  checkpointEveryMs?: number;
  maxAttempts?: number;
  timeoutSeconds?: number;
}

export interface Conclusion {
  census: RunCensus;
  executions: ExecutionSummary;
  /** Every execution the journal holds, for scenario-specific checks. */
  journal: Execution[];
  /** The last answer of the API for each submitted run (undefined: 404). */
  runs: Map<string, RunObject | undefined>;
}

const POLL_MS = 500;
/** Run reads in flight at once while settling: a thousand runs are read in seconds, without a flood. */
const READS_AT_ONCE = 25;
/** The API's limit for one POST /v1/runs/batch. */
const BATCH_SIZE = 100;
/**
 * Runs still open while the queue has held nothing (visible, in flight or delayed) for this long have
 * no message left that could finish them: waiting longer changes nothing, they are lost. A run
 * recorded but never queued gets its message from the API's outbox sweeper, at the latest after
 * LONGEST_UNSENT_WAIT_MS; a few seconds more let it show up in the queue.
 */
const STUCK_AFTER_MS = LONGEST_UNSENT_WAIT_MS + 5_000;

export class ChaosSession {
  readonly submitted: string[] = [];
  readonly journalFile: string;

  private constructor(
    readonly redis: TestRedis,
    readonly dev: DevStack,
    context: ScenarioContext,
    name: string,
  ) {
    // Beside the stack's log, so the evidence behind a verdict stays after the run.
    this.journalFile = join(context.logDir, `${name}.executions.jsonl`);
    rmSync(this.journalFile, { force: true });
  }

  static async open(context: ScenarioContext, options: SessionOptions): Promise<ChaosSession> {
    const redis = await startRedis({ durable: options.durableRedis ?? false });
    try {
      const dev = await DevStack.start({
        root: context.root,
        name: options.name,
        redisUrl: redis.url,
        slots: options.slots,
        minWorkers: options.minWorkers,
        maxWorkers: options.maxWorkers,
        env: options.env,
        logFile: join(context.logDir, `${options.name}.log`),
      });
      return new ChaosSession(redis, dev, context, options.name);
    } catch (error) {
      await redis.stop();
      throw error;
    }
  }

  /** The run body for a chaos agent (its input names this session's journal). */
  body(request: RunRequest): Record<string, unknown> {
    const { agent, durationMs, fail, failWhile, checkpointEveryMs, maxAttempts, timeoutSeconds } = request;
    return {
      agent,
      input: { durationMs, journal: this.journalFile, ...(fail ? { fail } : {}), ...(failWhile ? { failWhile } : {}), ...(checkpointEveryMs ? { checkpointEveryMs } : {}) },
      ...(maxAttempts ? { maxAttempts } : {}),
      ...(timeoutSeconds ? { timeoutSeconds } : {}),
    };
  }

  /** Submits and remembers the run; a refusal throws (outside an outage the API must accept). */
  async submit(request: RunRequest): Promise<RunObject> {
    const run = await this.dev.api.submit(this.body(request));
    this.submitted.push(run.id);
    return run;
  }

  /** Submits in batches of up to 100 (POST /v1/runs/batch) and remembers every run, in order. */
  async submitMany(requests: readonly RunRequest[]): Promise<RunObject[]> {
    const accepted: RunObject[] = [];
    for (let from = 0; from < requests.length; from += BATCH_SIZE) {
      const runs = await this.dev.api.submitBatch(requests.slice(from, from + BATCH_SIZE).map((request) => this.body(request)));
      for (const run of runs) this.submitted.push(run.id);
      accepted.push(...runs);
    }
    return accepted;
  }

  /** Counts a run accepted some other way (e.g. submitted with retries during an outage). */
  adopt(id: string): void {
    if (!this.submitted.includes(id)) this.submitted.push(id);
  }

  /**
   * Waits until every submitted run is terminal, `timeoutMs` passes, or the open runs are stuck (the
   * queue has been empty for STUCK_AFTER_MS); answers the last state of each.
   */
  async settle(timeoutMs: number): Promise<Map<string, RunObject | undefined>> {
    const ids = this.submitted;
    const deadline = Date.now() + timeoutMs;
    const runs = new Map<string, RunObject | undefined>();
    let emptySince: number | undefined;
    for (;;) {
      const unsettled = ids.filter((id) => !TERMINAL_STATUSES.has(runs.get(id)?.status ?? 'missing'));
      for (let from = 0; from < unsettled.length; from += READS_AT_ONCE) {
        const chunk = unsettled.slice(from, from + READS_AT_ONCE);
        const answers = await Promise.all(chunk.map((id) => this.dev.api.run(id).catch(() => runs.get(id))));
        chunk.forEach((id, index) => runs.set(id, answers[index]));
      }
      const open = ids.filter((id) => !TERMINAL_STATUSES.has(runs.get(id)?.status ?? 'missing'));
      if (open.length === 0 || Date.now() > deadline) return runs;
      const depth = await this.dev.api.queue().catch(() => undefined);
      const empty = depth !== undefined && depth.visible + depth.inFlight + depth.delayed === 0;
      emptySince = empty ? (emptySince ?? Date.now()) : undefined;
      if (emptySince !== undefined && Date.now() - emptySince >= STUCK_AFTER_MS) return runs;
      await sleep(POLL_MS);
    }
  }

  /** The census and the journal's verdict over every submitted run, after waiting up to `timeoutMs`. */
  async conclude(timeoutMs: number): Promise<Conclusion> {
    const runs = await this.settle(timeoutMs);
    const census = censusOf(this.submitted, new Map([...runs].map(([id, run]) => [id, run?.status])));
    const journal = executionsOf(existsSync(this.journalFile) ? parseJournal(readFileSync(this.journalFile, 'utf8')) : []);
    const recorded = new Map([...runs].flatMap(([id, run]) => (run ? [[id, run.attempts.map((a) => a.number)] as const] : [])));
    return { census, executions: summarizeExecutions(journal, recorded), journal, runs };
  }

  async close(): Promise<void> {
    await this.dev.stop();
    await this.redis.stop();
  }
}

/** Runs `body` with an open session and always closes it. */
export async function withSession<T>(context: ScenarioContext, options: SessionOptions, body: (session: ChaosSession) => Promise<T>): Promise<T> {
  context.progress(`starting agentfleet dev (${options.minWorkers}–${options.maxWorkers} workers × ${options.slots} slots) on a private Redis`);
  const session = await ChaosSession.open(context, options);
  try {
    return await body(session);
  } finally {
    await session.close();
  }
}
