import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../core/logger.js';
import { identityOf, type ProcessIdentity } from './process-tree.js';

/**
 * The lifeline kills a worker's command agents when the worker dies without stopping them (SIGKILL,
 * the OOM killer, a crash): agents lead process groups of their own, so nothing else would reach them,
 * and a run taken over by another worker would execute twice.
 *
 * One small `/bin/sh` per worker (started with the first command agent) watches a pipe from the worker.
 * It runs in a session of its own, so killing an agent's group never reaches it, and ignores SIGTERM,
 * SIGINT and SIGHUP: only the end of its input ends it. The worker writes `+ <pgid> <start time>` when
 * an agent group starts and `- <pgid>` once the group is gone. End of file means the worker exited,
 * whatever killed it: the watcher SIGKILLs every group still listed and exits. After a drain nothing is
 * listed, so a normal shutdown kills nothing.
 *
 * SIGKILL at once, not SIGTERM and a grace: the agent's stdout died with its worker, so it can neither
 * checkpoint nor report any more; whatever it still did would be lost or repeated by the next attempt.
 * That is also what the container runtime does to every process once a containerised worker dies.
 *
 * A group is killed only while its leader is the process that was registered (same /proc start time),
 * or when the leader is gone: while any member of the group lives, its number cannot be reused. Group
 * numbers 0 and 1 are refused outright (`kill -- -1` would reach every process of the user).
 */

/** In `ps`, the watcher shows as `/bin/sh -c ... agentfleet-lifeline`. */
export const WATCHER_NAME = 'agentfleet-lifeline';

/** Shell builtins only (`read`, `kill`; tested with dash and bash), so the watcher never forks. */
export const WATCHER_SCRIPT = `trap '' HUP INT TERM
set -f
groups=' '
while read -r op pgid start; do
  case $pgid in '' | *[!0-9]* | 0* | 1) continue ;; esac
  case $groups in *" $pgid:"*) groups="\${groups%% "$pgid":*} \${groups#* "$pgid":* }" ;; esac
  case $op$start in + | +*[!0-9]*) continue ;; +*) groups="$groups$pgid:$start " ;; esac
done
for group in $groups; do
  pgid=\${group%%:*}
  if { read -r stat < "/proc/$pgid/stat"; } 2>/dev/null; then
    set -- \${stat##*) }
    [ "\${20}" = "\${group#*:}" ] || continue
  fi
  kill -s KILL -- "-$pgid" 2>/dev/null
done
`;

export function watchLine(group: ProcessIdentity): string {
  return `+ ${group.pid} ${group.startTime}\n`;
}

export function releaseLine(pgid: number): string {
  return `- ${pgid}\n`;
}

/** What the watcher has been told: the live agent groups, keyed by their leader's pid. */
export class WatchedGroups {
  private readonly groups = new Map<number, ProcessIdentity>();

  /** The line that tells the watcher; a group with the same number replaces the one it had. */
  watch(group: ProcessIdentity): string {
    this.groups.set(group.pid, group);
    return watchLine(group);
  }

  /** The line that tells the watcher, or undefined when the group was not watched. */
  release(pgid: number): string | undefined {
    return this.groups.delete(pgid) ? releaseLine(pgid) : undefined;
  }

  /** Everything a fresh watcher must be told. */
  replay(): string {
    return [...this.groups.values()].map(watchLine).join('');
  }

  get pgids(): number[] {
    return [...this.groups.keys()];
  }
}

/** A watcher that dies sooner than this after its start counts as failing to start. */
const STEADY_AFTER_MS = 10_000;
const FIRST_RESTART_DELAY_MS = 250;
const MAX_RESTART_DELAY_MS = 30_000;

/** How long to wait before starting a watcher, after `failures` watchers in a row died young. */
export function restartDelayMs(failures: number): number {
  return failures === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** (failures - 1));
}

export class Lifeline {
  private readonly groups = new WatchedGroups();
  /** Groups whose identity is being read; a release in the meantime cancels the watch. */
  private readonly reading = new Map<number, Promise<void>>();
  private watcher: ChildProcess | undefined;
  private startedAt = 0;
  private failures = 0;
  private startTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly logger: Logger) {}

  /** Watches the process group `pgid` leads: call right after spawning the agent. */
  watch(pgid: number): void {
    const reading = identityOf(pgid).then((identity) => {
      if (this.reading.get(pgid) !== reading) return;
      this.reading.delete(pgid);
      if (identity) this.send(this.groups.watch(identity));
    });
    this.reading.set(pgid, reading);
  }

  /** Forgets the group: call once it has been killed. */
  release(pgid: number): void {
    this.reading.delete(pgid);
    const line = this.groups.release(pgid);
    if (line) this.send(line);
  }

  /** The groups the watcher is told of. */
  get watching(): number[] {
    return this.groups.pgids;
  }

  /** Ends the watcher's input: it kills what is still watched (nothing, once the worker has drained) and exits. */
  close(): void {
    this.closed = true;
    clearTimeout(this.startTimer);
    this.watcher?.stdin?.end();
  }

  private send(line: string): void {
    if (this.closed) return;
    if (this.watcher) this.watcher.stdin!.write(line);
    else this.scheduleStart();
  }

  /** A fresh watcher is told every watched group, so lines sent while none ran are not lost. */
  private scheduleStart(): void {
    if (this.startTimer || this.closed || this.groups.pgids.length === 0) return;
    this.startTimer = setTimeout(() => {
      this.startTimer = undefined;
      this.start();
    }, restartDelayMs(this.failures));
  }

  private start(): void {
    if (this.closed || this.groups.pgids.length === 0) return;
    const watcher = spawn('/bin/sh', ['-c', WATCHER_SCRIPT, WATCHER_NAME], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    this.watcher = watcher;
    this.startedAt = Date.now();
    const died = (detail: Record<string, unknown>) => {
      if (this.watcher !== watcher) return;
      this.watcher = undefined;
      if (this.closed) return;
      this.failures = Date.now() - this.startedAt < STEADY_AFTER_MS ? this.failures + 1 : 0;
      this.logger.warn(
        { ...detail, watching: this.groups.pgids.length, restartInMs: restartDelayMs(this.failures) },
        'agent lifeline watcher died; starting another (until then, command agents outlive a killed worker)',
      );
      this.scheduleStart();
    };
    watcher.once('exit', (code, signal) => died({ code, signal }));
    watcher.once('error', (error) => died({ error: error.message }));
    // EPIPE once the watcher is dead; its exit starts the next one.
    watcher.stdin!.on('error', () => undefined);
    watcher.unref();
    if (watcher.pid !== undefined) this.logger.debug({ pid: watcher.pid }, 'agent lifeline watcher started');
    watcher.stdin!.write(this.groups.replay());
  }
}
