import test from 'ava';
import { AGENT_USER } from '../../modules/lib/agent-user.js';
import { CommandExecutor, type CommandAgentDefinition } from '../../services/worker/agents/command.js';
import { loadConfig } from '../../services/core/config.js';
import { recordingContext, eventually } from './helpers/recording-context.js';
import { processIsRunning } from './helpers/processes.js';

// Switching users needs root (CAP_SETUID/SETGID), as the EC2 and Fargate workers run; elsewhere these skip.
const asRoot = process.getuid?.() === 0 ? test : test.skip;
const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

function shellAgent(script: string): CommandAgentDefinition {
  return { type: 'command', command: ['/bin/sh', '-c', script], cwd: '/' };
}

asRoot('with AGENT_UID/AGENT_GID set, a command agent runs as that user and group, not as the worker', async (t) => {
  const script = 'echo "{\\"type\\":\\"result\\",\\"result\\":{\\"uid\\":$(id -u),\\"gid\\":$(id -g),\\"groups\\":\\"$(id -G)\\"}}"';
  const unprivileged = new CommandExecutor(shellAgent(script), { killGraceMs: 1000, baseEnv, runAs: AGENT_USER });
  t.deepEqual(await unprivileged.execute(recordingContext({})), {
    kind: 'result',
    result: { uid: AGENT_USER.uid, gid: AGENT_USER.gid, groups: String(AGENT_USER.gid) },
  });
  const unchanged = new CommandExecutor(shellAgent(script), { killGraceMs: 1000, baseEnv });
  const outcome = await unchanged.execute(recordingContext({}));
  t.like(outcome, { kind: 'result', result: { uid: 0 } }, 'without the setting the agent keeps the worker\'s user');
});

asRoot('the worker still stops an agent running as another user that ignores SIGTERM', async (t) => {
  const ctx = recordingContext({});
  const stubborn = new CommandExecutor(shellAgent('trap "" TERM; echo "{\\"type\\":\\"progress\\",\\"pid\\":$$}"; while true; do sleep 1; done'), {
    killGraceMs: 300,
    baseEnv,
    runAs: AGENT_USER,
  });
  const running = stubborn.execute(ctx);
  const { pid } = await eventually(() => ctx.progress.calls[0], 'the agent to report its PID');
  t.true(processIsRunning(pid as number));
  ctx.controller.abort('cancel');
  t.is((await running).kind, 'error');
  await eventually(() => !processIsRunning(pid as number), 'the agent to be gone');
  t.pass();
});

test('AGENT_UID and AGENT_GID go together', (t) => {
  t.throws(() => loadConfig({ AGENT_UID: '61000' }), { message: /AGENT_GID: AGENT_UID and AGENT_GID go together/ });
  t.like(loadConfig({ AGENT_UID: '61000', AGENT_GID: '61000' }), { AGENT_UID: 61000, AGENT_GID: 61000 });
});
