import { PassThrough } from 'node:stream';
import test from 'ava';
import type { RunStatus } from '../../services/core/run/model.js';
import type { RunEvent } from '../../services/core/run/store.js';
import { formatEvent, pumpRunEvents, type RunEventSource } from '../../services/api/run-event-stream.js';

const status = (id: number, value: RunStatus): RunEvent => ({ id: String(id), type: 'status', data: { status: value } });

/** A run whose stored events and status change as the scripted reads go by. */
function scripted(reads: RunEvent[][], statuses: (RunStatus | undefined)[]): RunEventSource & { afters: (string | undefined)[] } {
  const afters: (string | undefined)[] = [];
  return {
    afters,
    read: async (after) => {
      afters.push(after);
      return reads.shift() ?? [];
    },
    status: async () => statuses.shift(),
  };
}

async function pump(source: RunEventSource, after?: string, signal = new AbortController().signal): Promise<string> {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  await pumpRunEvents(source, after, out, { signal, keepAliveMs: 60_000, now: Date.now });
  return chunks.join('');
}

test('each event is one SSE block with its id, type and JSON data', (t) => {
  t.is(formatEvent({ id: '7', type: 'log', data: { message: 'two\nlines' } }), 'id: 7\nevent: log\ndata: {"message":"two\\nlines"}\n\n');
});

test('the stream reads on from the last event sent and stops after a terminal status, without reading further', async (t) => {
  const source = scripted([[status(1, 'queued'), status(2, 'running')], [status(3, 'succeeded'), status(4, 'queued')]], []);
  const text = await pump(source, undefined);
  t.deepEqual(source.afters, [undefined, '2']);
  t.true(text.includes('id: 3\n'));
  t.false(text.includes('id: 4\n'), 'nothing after the terminal status');
});

test('a terminal status stored between an empty read and the status check is still sent', async (t) => {
  const source = scripted([[status(5, 'running')], [], [status(6, 'failed')]], ['failed']);
  const text = await pump(source, '4');
  t.deepEqual(source.afters, ['4', '5', '5']);
  t.true(text.endsWith(formatEvent(status(6, 'failed'))));
});

test('a run that is gone ends the stream', async (t) => {
  const source = scripted([[]], [undefined]);
  t.is(await pump(source), 'retry: 2000\n\n');
});

test('an aborted stream ends without reading', async (t) => {
  const abort = new AbortController();
  abort.abort();
  const source = scripted([[status(1, 'queued')]], []);
  await pump(source, undefined, abort.signal);
  t.deepEqual(source.afters, []);
});
