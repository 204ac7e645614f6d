import { CliError } from './cli-error.js';
import { isTerminalStatus } from './api-client.js';
import { parseServerSentEvents, type ServerSentEvent } from './sse-parser.js';

export interface FollowOptions {
  url: string;
  key: string;
  runId: string;
  onEvent(event: ServerSentEvent): void;
  /** Called before each reconnect after a dropped connection. */
  onReconnect?(attempt: number, lastEventId: string | undefined): void;
  /** Consecutive failed connections before giving up. */
  maxRetries?: number;
  retryDelayMs?: number;
}

/**
 * Follows GET /v1/runs/:id/events until a terminal status event, reconnecting with Last-Event-ID
 * when the connection drops (the API resumes after the last event seen: no gap, no repeat).
 * Resolves with the terminal status. A 4xx (no such run, bad key) is a CliError at once.
 */
export async function followRunEvents(options: FollowOptions): Promise<string> {
  const maxRetries = options.maxRetries ?? 10;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  let lastEventId: string | undefined;
  let failures = 0;
  for (;;) {
    try {
      const terminal = await readOnce(options, lastEventId, (event) => {
        failures = 0;
        if (event.id !== undefined) lastEventId = event.id;
        options.onEvent(event);
      });
      if (terminal !== undefined) return terminal;
    } catch (error) {
      if (error instanceof CliError) throw error;
    }
    failures += 1;
    if (failures > maxRetries) throw new CliError(`lost the event stream of run ${options.runId} ${maxRetries} times in a row; giving up`, 1);
    options.onReconnect?.(failures, lastEventId);
    await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
  }
}

/** One connection: the terminal status if the stream delivered it, undefined if it ended or dropped before. */
async function readOnce(options: FollowOptions, after: string | undefined, onEvent: (event: ServerSentEvent) => void): Promise<string | undefined> {
  const response = await fetch(new URL(`/v1/runs/${encodeURIComponent(options.runId)}/events`, options.url), {
    headers: { authorization: `Bearer ${options.key}`, accept: 'text/event-stream', ...(after === undefined ? {} : { 'last-event-id': after }) },
  });
  if (response.status >= 400 && response.status < 500) {
    const problem = (await response.json().catch(() => undefined)) as { title?: string; detail?: string } | undefined;
    throw new CliError(`GET /v1/runs/${options.runId}/events: ${response.status} ${problem?.title ?? ''}${problem?.detail ? `: ${problem.detail}` : ''}`, 1);
  }
  if (!response.ok || response.body === null) throw new Error(`event stream answered ${response.status}`);
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    const { events, rest } = parseServerSentEvents(buffered);
    buffered = rest;
    for (const event of events) {
      onEvent(event);
      const status = event.event === 'status' ? statusOf(event.data) : undefined;
      if (status !== undefined && isTerminalStatus(status)) return status;
    }
  }
  return undefined;
}

function statusOf(data: string): string | undefined {
  try {
    const status = (JSON.parse(data) as { status?: unknown }).status;
    return typeof status === 'string' ? status : undefined;
  } catch {
    return undefined;
  }
}
