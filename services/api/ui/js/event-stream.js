// GET /v1/runs/:id/events read with fetch: EventSource cannot send the bearer header, and a key in the
// URL would end up in logs. Reconnects with Last-Event-ID until the stream ends after a terminal status.
import { authHeaders } from './api.js';
import { TERMINAL } from './dom.js';

const RETRY_MS = 2000;

/** Calls onEvent({id, type, data}) per event and onState('live' | 'reconnecting' | 'ended' | 'error', detail). Returns a stop function. */
export function followRunEvents(runId, { onEvent, onState }) {
  const abort = new AbortController();
  let lastEventId;
  let ended = false;

  const connect = async () => {
    while (!abort.signal.aborted && !ended) {
      try {
        const response = await fetch(`/v1/runs/${encodeURIComponent(runId)}/events`, {
          headers: { ...authHeaders(), accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
          signal: abort.signal,
          cache: 'no-store',
        });
        if (!response.ok) {
          onState('error', response.status);
          if (response.status === 401 || response.status === 404) return;
        } else {
          onState('live');
          await read(response.body);
          if (ended) {
            onState('ended');
            return;
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('reconnecting');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };

  const read = async (body) => {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = parse(block);
        if (!event) continue;
        lastEventId = event.id;
        if (event.type === 'status' && TERMINAL.has(event.data?.status)) ended = true;
        onEvent(event);
      }
    }
  };

  connect();
  return () => abort.abort();
}

function parse(block) {
  const fields = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, '');
  }
  if (!fields.event || fields.data === undefined) return undefined;
  try {
    return { id: fields.id, type: fields.event, data: JSON.parse(fields.data) };
  } catch {
    return undefined;
  }
}
