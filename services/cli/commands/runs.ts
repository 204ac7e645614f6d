import type { Command } from 'commander';
import { ApiClient, type RunObject } from '../api-client.js';
import { loadClientSettings, type ConnectionFlags } from '../client-settings.js';
import { parseJsonFlag } from '../flags.js';
import { printJson } from '../output.js';
import { environmentVariables } from '../process-config.js';

/** `agentfleet submit`, `agentfleet runs get|cancel`: talk to a running API over HTTP. */

function clientFrom(flags: ConnectionFlags): ApiClient {
  return new ApiClient(loadClientSettings(environmentVariables(), flags));
}

function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'API base URL (default $AGENTFLEET_URL or http://127.0.0.1:8080)')
    .option('--key <key>', 'API key (default $AGENTFLEET_KEY, or the key `agentfleet dev` wrote)');
}

export function registerRunCommands(program: Command): void {
  withConnection(
    program
      .command('submit')
      .description('submit a run; prints the run object (with --wait, the finished run)')
      .requiredOption('--agent <name>', 'agent to run, as declared in AGENTS_FILE (or simulate)')
      .option('--input <json>', 'input for the agent, as JSON', '{}')
      .option('--timeout <seconds>', 'timeoutSeconds for each attempt')
      .option('--max-attempts <n>', 'maxAttempts')
      .option('--idempotency-key <key>', 'submitting again with the same key returns the same run')
      .option('--wait', 'wait until the run finishes; exit 1 unless it succeeded'),
  ).action(async (flags: ConnectionFlags & { agent: string; input: string; timeout?: string; maxAttempts?: string; idempotencyKey?: string; wait?: boolean }) => {
    const body: Record<string, unknown> = { agent: flags.agent, input: parseJsonFlag('--input', flags.input) };
    if (flags.timeout !== undefined) body.timeoutSeconds = Number(flags.timeout);
    if (flags.maxAttempts !== undefined) body.maxAttempts = Number(flags.maxAttempts);
    const client = clientFrom(flags);
    const headers: Record<string, string> = flags.idempotencyKey ? { 'idempotency-key': flags.idempotencyKey } : {};
    const run = await client.request<RunObject>('POST', '/v1/runs', body, headers);
    if (!flags.wait) return printJson(run);
    const finished = await client.waitForTerminal(run.id, (r) => {
      if (process.stderr.isTTY) process.stderr.write(`${r.id}: ${r.status}\n`);
    });
    printJson(finished);
    if (finished.status !== 'succeeded') process.exitCode = 1;
  });

  const runs = program.command('runs').description('inspect and cancel runs');
  withConnection(runs.command('get <id>').description('print a run object')).action(async (id: string, flags: ConnectionFlags) => {
    printJson(await clientFrom(flags).request('GET', `/v1/runs/${encodeURIComponent(id)}`));
  });
  withConnection(runs.command('cancel <id>').description('cancel a run; a running agent is signalled')).action(
    async (id: string, flags: ConnectionFlags) => {
      printJson(await clientFrom(flags).request('POST', `/v1/runs/${encodeURIComponent(id)}/cancel`));
    },
  );
}
