import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliExit {
  /** Null when the process did not exit by itself (killed at the timeout, or by a signal). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `agentfleet` (bin/agentfleet.js) as a process, as a user or a container runtime starts it, with
 * `env` over this process's environment; answers how it exited instead of throwing on a failure.
 */
export function runAgentfleet(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<CliExit> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/agentfleet.js', ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
}
