import { PassThrough } from 'node:stream';
import { isTerminal, type RunStatus } from '../core/run/model.js';
import type { RunEvent } from '../core/run/store.js';

/**
 * GET /v1/runs/:id/events as a server-sent event stream: the run's stored events from after
 * `Last-Event-ID` (or from the oldest kept), then new ones as they are stored, ending after a
 * terminal status event. Each event's `id` is its number in the run's log, so a client that
 * reconnects with `Last-Event-ID` misses nothing the run still keeps and sees nothing twice.
 */

export interface RunEventSource {
  read(after: string | undefined): Promise<RunEvent[]>;
  /** The run's status now; undefined once the run is gone (expired). */
  status(): Promise<RunStatus | undefined>;
}

export interface StreamOptions {
  /** Ends the stream early (client gone, server closing). */
  signal: AbortSignal;
  /** A comment line this often keeps proxies and load balancers from closing an idle stream. */
  keepAliveMs: number;
  now: () => number;
}

/** One event in the text/event-stream format. JSON never contains a raw newline, so `data` is one line. */
export function formatEvent(event: RunEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

export function isTerminalStatusEvent(event: RunEvent): boolean {
  if (event.type !== 'status') return false;
  const status = (event.data as { status?: unknown } | null)?.status;
  return typeof status === 'string' && isTerminal(status as RunStatus);
}

/** Writes the stream into `out` until the run ends, the run is gone or `signal` aborts; then ends `out`. */
export async function pumpRunEvents(source: RunEventSource, after: string | undefined, out: PassThrough, options: StreamOptions): Promise<void> {
  // Tells EventSource-style clients how long to wait before reconnecting.
  out.write('retry: 2000\n\n');
  let last = after;
  let lastWriteAt = options.now();
  try {
    while (!options.signal.aborted) {
      const events = await source.read(last);
      for (const event of events) {
        out.write(formatEvent(event));
        last = event.id;
        if (isTerminalStatusEvent(event)) return;
      }
      if (events.length > 0) {
        lastWriteAt = options.now();
        continue;
      }
      // Nothing new and the run has ended: its terminal event was trimmed from the kept events, or
      // stored just after the read above; one more read sends it when it is there.
      const status = await source.status();
      if (status === undefined) return;
      if (isTerminal(status)) {
        for (const event of await source.read(last)) out.write(formatEvent(event));
        return;
      }
      if (options.now() - lastWriteAt >= options.keepAliveMs) {
        out.write(': keep-alive\n\n');
        lastWriteAt = options.now();
      }
    }
  } finally {
    out.end();
  }
}
