import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AgentDefinition } from '../../core/agents/catalog.js';
import { AgentErrorType, agentError, type AgentContext, type AgentExecutor, type AgentOutcome } from './executor.js';
import { parseAgentLine, Tail } from './command-protocol.js';
import type { Lifeline } from './lifeline.js';
import { LineSplitter } from './line-splitter.js';
import { killLeftovers, signalTree, type ProcessIdentity } from './process-tree.js';

/**
 * A `command` agent (DESIGN §6): argv spawned as the leader of its own process group, the run's input
 * as one JSON line on stdin, the protocol of command-protocol.ts on stdout, stderr lines as log events.
 * The run's id, attempt and last checkpoint arrive in AGENTFLEET_RUN_ID, AGENTFLEET_ATTEMPT and
 * AGENTFLEET_LAST_CHECKPOINT (JSON, absent on a fresh start).
 *
 * Exit 0 succeeds with the last `result` line (null without one); an `error` line fails the attempt
 * whatever the exit code; another exit code or a signal fails it with the tail of stderr.
 * On abort the group gets SIGTERM, and SIGKILL after the kill grace; when the agent exits, whatever
 * it left running in its group is killed, so a finished attempt leaves no process behind. The lifeline
 * (lifeline.ts) kills the group if the worker itself dies first.
 */

export type CommandAgentDefinition = Extract<AgentDefinition, { type: 'command' }>;

export interface CommandExecutorOptions {
  killGraceMs: number;
  /** Environment every agent starts from (the worker's own environment is not passed on: it holds secrets). */
  baseEnv: Readonly<Record<string, string>>;
  /** Kills the agents' groups if the worker dies without stopping them; without it they outlive a killed worker. */
  lifeline?: Lifeline;
  /** Longest stdout/stderr line kept; a longer `result` line fails the attempt. */
  maxLineLength?: number;
  /** Start the agent as this user and group rather than the worker's (which must hold CAP_SETUID/SETGID). */
  runAs?: { uid: number; gid: number };
}

const DEFAULT_MAX_LINE_LENGTH = 1024 * 1024;
/** How long to wait for stdout/stderr to drain after the group is gone (a daemonized escapee may hold them). */
const STDIO_DRAIN_MS = 1000;
/** Spawn errors that another attempt on a like machine would meet again. */
const PERMANENT_SPAWN_ERRORS = new Set(['ENOENT', 'EACCES', 'ENOTDIR']);

type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class CommandExecutor implements AgentExecutor {
  constructor(
    private readonly definition: CommandAgentDefinition,
    private readonly options: CommandExecutorOptions,
  ) {}

  async execute(ctx: AgentContext): Promise<AgentOutcome> {
    const [file, ...args] = this.definition.command as [string, ...string[]];
    const env: Record<string, string> = {
      ...this.options.baseEnv,
      ...this.definition.env,
      AGENTFLEET_RUN_ID: ctx.runId,
      AGENTFLEET_ATTEMPT: String(ctx.attempt),
    };
    if (ctx.lastCheckpoint !== undefined) env.AGENTFLEET_LAST_CHECKPOINT = JSON.stringify(ctx.lastCheckpoint);

    const child = spawn(file, args, { cwd: this.definition.cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'], ...this.options.runAs });
    if (child.pid === undefined) {
      // Before any stdio is touched: on EMFILE Node gives the child no pipes at all.
      const [{ code, message }] = (await once(child, 'error')) as [NodeJS.ErrnoException];
      return agentError(AgentErrorType.agentSpawn, `cannot start ${file}: ${message}`, !PERMANENT_SPAWN_ERRORS.has(code ?? ''));
    }
    const pid = child.pid;
    this.options.lifeline?.watch(pid);
    const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    const maxLineLength = this.options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH;
    let result: unknown = null;
    let reportedError: AgentOutcome | undefined;
    let resultTooLarge = false;
    let checkpoints: Promise<void> = Promise.resolve();
    const stderrTail = new Tail();

    const stdout = new LineSplitter(
      maxLineLength,
      (line) => {
        const parsed = parseAgentLine(line);
        switch (parsed.type) {
          case 'log':
            return ctx.log(parsed.message, parsed.fields);
          case 'progress':
            return ctx.progress(parsed.data);
          case 'checkpoint': {
            const data = parsed.data;
            checkpoints = checkpoints.then(() => ctx.checkpoint(data)).catch(() => undefined);
            return;
          }
          case 'result':
            result = parsed.result;
            resultTooLarge = false;
            return;
          case 'error':
            reportedError = { kind: 'error', error: parsed.error, retryable: parsed.retryable };
            return;
          case 'text':
            return ctx.log(line, { stream: 'stdout' });
        }
      },
      (prefix) => {
        if (prefix.includes('"result"')) resultTooLarge = true;
        ctx.log(`stdout line over ${maxLineLength} characters dropped: ${prefix}…`, { stream: 'stdout' });
      },
    );
    const stderr = new LineSplitter(
      maxLineLength,
      (line) => {
        stderrTail.push(line);
        ctx.log(line, { stream: 'stderr' });
      },
      (prefix) => stderrTail.push(`${prefix}…`),
    );
    const stdioClosed = Promise.all([
      new Promise<void>((resolve) => child.stdout.on('data', (c: Buffer) => stdout.push(c)).once('close', resolve)),
      new Promise<void>((resolve) => child.stderr.on('data', (c: Buffer) => stderr.push(c)).once('close', resolve)),
    ]);

    child.stdin.on('error', () => {
      // The agent need not read its input; EPIPE is not an error of the run.
    });
    child.stdin.end(`${JSON.stringify(ctx.input ?? null)}\n`);

    let known: ProcessIdentity[] = [];
    let signalling: Promise<void> = Promise.resolve();
    let killTimer: NodeJS.Timeout | undefined;
    const escalate = (name: NodeJS.Signals) => {
      signalling = signalling.then(async () => {
        known = await signalTree(pid, name, known);
      });
    };
    const onAbort = () => {
      escalate('SIGTERM');
      killTimer = setTimeout(() => escalate('SIGKILL'), this.options.killGraceMs);
    };
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });

    const exit = await exited;
    ctx.signal.removeEventListener('abort', onAbort);
    if (killTimer) clearTimeout(killTimer);
    await signalling;
    await killLeftovers(pid, known);
    this.options.lifeline?.release(pid);
    await Promise.race([stdioClosed, new Promise((resolve) => setTimeout(resolve, STDIO_DRAIN_MS).unref())]);
    child.stdout.destroy();
    child.stderr.destroy();
    stdout.end();
    stderr.end();
    await checkpoints;

    if (ctx.signal.aborted) return agentError('aborted', 'the attempt was aborted');
    if (reportedError) return reportedError;
    if (exit.code === 0) {
      if (resultTooLarge) {
        return agentError(AgentErrorType.resultTooLarge, `the result line is longer than ${maxLineLength} characters`, false);
      }
      return { kind: 'result', result };
    }
    const tail = stderrTail.toString();
    const suffix = tail ? `; stderr: ${tail}` : '';
    if (exit.signal) return agentError(AgentErrorType.agentSignal, `killed by ${exit.signal}${suffix}`);
    return agentError(AgentErrorType.agentExit, `exited with code ${exit.code}${suffix}`);
  }
}
