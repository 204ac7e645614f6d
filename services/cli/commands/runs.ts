import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { ApiClient, type RunObject } from '../api-client.js';
import { loadClientSettings, type ConnectionFlags } from '../client-settings.js';
import { CliError } from '../cli-error.js';
import { parseIdempotencyKey, parseJsonFlag } from '../flags.js';
import { printJson } from '../output.js';
import { environmentVariables } from '../process-config.js';
import { followRunEvents } from '../run-event-follower.js';
import { EXIT_CODE_BY_STATUS, RunWatchView } from '../run-watch-view.js';
import { submitRun } from '../submit.js';

/** `agentfleet submit`, `agentfleet runs get|watch|cancel`: talk to a running API over HTTP. */

function clientFrom(flags: ConnectionFlags): ApiClient {
  return new ApiClient(loadClientSettings(environmentVariables(), flags));
}

function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'API base URL (default $AGENTFLEET_URL or http://127.0.0.1:8080)')
    .option('--key <key>', 'API key (default $AGENTFLEET_KEY, or the key `agentfleet dev` wrote)');
}

/** Follows the run's event stream (reconnecting when it drops) into a view on `out`; the final status. */
async function watchRun(flags: ConnectionFlags, runId: string, out: NodeJS.WriteStream): Promise<string> {
  const settings = loadClientSettings(environmentVariables(), flags);
  if (!settings.key) throw new CliError('no API key: pass --key or set AGENTFLEET_KEY');
  const view = new RunWatchView(runId, out);
  try {
    const status = await followRunEvents({
      url: settings.url,
      key: settings.key,
      runId,
      onEvent: (event) => view.event(event),
      onReconnect: (attempt) => view.reconnecting(attempt),
    });
    return status;
  } finally {
    view.close();
  }
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
      .option('--idempotency-key <key>', 'submitting again with the same key returns the same run (default: a new random key; no answer and 502/503/504 are retried with it)')
      .option('--wait', 'follow the run\'s events until it finishes; exit 0 succeeded, 1 failed, 3 cancelled, 4 timed out'),
  ).action(async (flags: ConnectionFlags & { agent: string; input: string; timeout?: string; maxAttempts?: string; idempotencyKey?: string; wait?: boolean }) => {
    const body: Record<string, unknown> = { agent: flags.agent, input: parseJsonFlag('--input', flags.input) };
    if (flags.timeout !== undefined) body.timeoutSeconds = Number(flags.timeout);
    if (flags.maxAttempts !== undefined) body.maxAttempts = Number(flags.maxAttempts);
    const client = clientFrom(flags);
    // Always a key, so a 503 can be retried without risking a second run.
    const idempotencyKey = flags.idempotencyKey === undefined ? randomUUID() : parseIdempotencyKey('--idempotency-key', flags.idempotencyKey);
    const run = await submitRun(client, body, idempotencyKey, (line) => process.stderr.write(`${line}\n`));
    if (!flags.wait) return printJson(run);
    // Said before the wait, so a watch cut short (the command killed, the stream lost) is not answered
    // by submitting again under a new key.
    process.stderr.write(`run ${run.id} accepted (Idempotency-Key ${idempotencyKey}); following its events\n`);
    // Events on stderr (stdout stays the run's JSON), then the finished run.
    await watchRun(flags, run.id, process.stderr);
    const finished = await client.request<RunObject>('GET', `/v1/runs/${encodeURIComponent(run.id)}`);
    printJson(finished);
    process.exitCode = EXIT_CODE_BY_STATUS[finished.status] ?? 1;
  });

  const runs = program.command('runs').description('inspect and cancel runs');
  withConnection(runs.command('get <id>').description('print a run object')).action(async (id: string, flags: ConnectionFlags) => {
    printJson(await clientFrom(flags).request('GET', `/v1/runs/${encodeURIComponent(id)}`));
  });
  withConnection(
    runs.command('watch <id>').description("follow a run's status, log and progress events until it finishes; exit 0 succeeded, 1 failed, 3 cancelled, 4 timed out"),
  ).action(async (id: string, flags: ConnectionFlags) => {
    const status = await watchRun(flags, id, process.stdout);
    process.exitCode = EXIT_CODE_BY_STATUS[status] ?? 1;
  });
  withConnection(runs.command('cancel <id>').description('cancel a run; a running agent is signalled')).action(
    async (id: string, flags: ConnectionFlags) => {
      printJson(await clientFrom(flags).request('POST', `/v1/runs/${encodeURIComponent(id)}/cancel`));
    },
  );
}
