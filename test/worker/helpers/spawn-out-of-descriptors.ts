import { closeSync, openSync } from 'node:fs';
import { CommandExecutor } from '../../../services/worker/agents/command.js';
import { recordingContext } from './recording-context.js';

/**
 * Run under a low `ulimit -n`: takes every file descriptor this process may open, then asks the command
 * executor to start an agent, so the spawn meets a real EMFILE (no pipes for the agent's stdio). Prints
 * the executor's outcome as one JSON line.
 */
const held: number[] = [];
try {
  for (;;) held.push(openSync('/dev/null', 'r'));
} catch (error) {
  if ((error as NodeJS.ErrnoException).code !== 'EMFILE') throw error;
}
const executor = new CommandExecutor({ type: 'command', command: [process.execPath, '--version'] }, { killGraceMs: 1000, baseEnv: {} });
const outcome = await executor.execute(recordingContext({}));
for (const fd of held) closeSync(fd);
console.log(JSON.stringify(outcome));
