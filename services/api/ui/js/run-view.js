// One run: summary, input, result or error, every attempt, the live event log, and cancel.
import { api } from './api.js';
import { TERMINAL, elapsed, h, json, statusBadge, table, time } from './dom.js';
import { followRunEvents } from './event-stream.js';
import { errorBanner, explain } from './states.js';

const RETRY_MS = 3000;

export function mountRunView(root, runId, { onUnauthorized }) {
  let run;
  let stopped = false;
  let stopEvents;
  let retry;

  const banner = h('div');
  const head = h('div', { class: 'view-head' });
  const details = h('div', { class: 'run-details' });
  const liveState = h('span', { class: 'live muted small', 'aria-live': 'polite' }, 'connecting…');
  const eventList = h('ol', { class: 'events', id: 'events' });
  const eventsEmpty = h('p', { class: 'muted' }, 'No events yet. Status changes, logs and progress appear here as they happen.');
  const dialog = confirmDialog(() => cancel());
  const openDialog = () => {
    dialog.returnValue = '';
    dialog.showModal();
  };

  root.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/runs' }, '← All runs')),
    head,
    banner,
    details,
    h('section', { 'aria-labelledby': 'events-title' }, h('div', { class: 'section-head' }, h('h2', { id: 'events-title' }, 'Events'), liveState), eventsEmpty, eventList),
    dialog,
  );

  const load = async () => {
    clearTimeout(retry);
    try {
      run = await api(`/v1/runs/${encodeURIComponent(runId)}`);
      if (stopped) return;
      banner.replaceChildren();
      render();
      if (!stopEvents) stopEvents = followRunEvents(runId, { onEvent, onState });
    } catch (error) {
      if (stopped) return;
      if (error.status === 401) return onUnauthorized();
      if (error.status === 404) {
        head.replaceChildren(h('h1', {}, 'Run not found'));
        details.replaceChildren(explain(error), h('p', {}, h('a', { href: '#/runs' }, 'Back to the runs')));
        return;
      }
      banner.replaceChildren(errorBanner(error));
      retry = setTimeout(load, RETRY_MS);
    }
  };

  const render = () => {
    const cancellable = !TERMINAL.has(run.status);
    const cancelButton = cancellable
      ? h('button', { type: 'button', class: 'danger', id: 'cancel-run', disabled: run.cancelRequested, onclick: () => openDialog() }, run.cancelRequested ? 'Cancelling…' : 'Cancel run')
      : null;
    head.replaceChildren(h('h1', {}, 'Run ', h('span', { class: 'mono' }, run.id)), h('div', { class: 'toolbar' }, statusBadge(run.status), cancelButton));
    const facts = [
      ['Agent', run.agent],
      ['Created', time(run.createdAt)],
      ['Started', time(run.startedAt)],
      ['Finished', time(run.finishedAt)],
      ['Duration', elapsed(run.startedAt, run.finishedAt)],
      ['Attempts', `${run.attempts.length} of at most ${run.maxAttempts}`],
      ['Timeout', `${run.timeoutSeconds} s`],
      ['Priority', String(run.priority)],
    ];
    const outcome = run.error
      ? h('section', { class: 'card' }, h('h2', {}, 'Error'), h('p', { class: 'error-text' }, h('strong', {}, run.error.type), ': ', run.error.message))
      : run.status === 'succeeded'
        ? h('section', { class: 'card' }, h('h2', {}, 'Result'), json(run.result))
        : h('section', { class: 'card' }, h('h2', {}, 'Result'), h('p', { class: 'muted' }, TERMINAL.has(run.status) ? 'No result.' : 'Not finished yet.'));
    details.replaceChildren(
      h('div', { class: 'grid' }, h('section', { class: 'card' }, h('h2', {}, 'Summary'), h('dl', { class: 'facts' }, facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))), h('section', { class: 'card' }, h('h2', {}, 'Input'), json(run.input)), outcome),
      h(
        'section',
        { 'aria-labelledby': 'attempts-title' },
        h('h2', { id: 'attempts-title' }, 'Attempts'),
        run.attempts.length === 0
          ? h('p', { class: 'muted' }, 'None yet: the run is waiting for a worker.')
          : table(
              ['#', 'Outcome', 'Started', 'Finished', 'Duration', 'Error'],
              run.attempts.map((a) =>
                h(
                  'tr',
                  {},
                  h('td', { class: 'num' }, String(a.number)),
                  h('td', {}, a.outcome ? statusBadge(a.outcome) : statusBadge('running')),
                  h('td', {}, time(a.startedAt)),
                  h('td', {}, time(a.finishedAt)),
                  h('td', { class: 'num' }, elapsed(a.startedAt, a.finishedAt)),
                  h('td', {}, a.error ? `${a.error.type}: ${a.error.message}` : ''),
                ),
              ),
              'Attempts of this run',
            ),
      ),
    );
  };

  const onEvent = (event) => {
    eventsEmpty.hidden = true;
    eventList.append(eventItem(event));
    eventList.lastElementChild.scrollIntoView({ block: 'nearest' });
    // A status change can bring a new attempt, a result or an error: show them.
    if (event.type === 'status') load();
  };

  const onState = (state, detail) => {
    if (state === 'error' && detail === 401) return onUnauthorized();
    liveState.textContent = { live: '● live', reconnecting: 'reconnecting…', ended: 'ended (run finished)', error: `stream error ${detail ?? ''}` }[state];
    liveState.dataset.state = state;
  };

  const cancel = async () => {
    try {
      run = await api(`/v1/runs/${encodeURIComponent(runId)}/cancel`, { method: 'POST' });
      render();
    } catch (error) {
      if (error.status === 401) return onUnauthorized();
      banner.replaceChildren(errorBanner(error));
    }
  };

  load();
  return () => {
    stopped = true;
    clearTimeout(retry);
    stopEvents?.();
    if (dialog.open) dialog.close();
  };
}

function eventItem(event) {
  const data = event.data ?? {};
  let text;
  if (event.type === 'status') {
    text = [statusBadge(data.status), data.attempt ? ` attempt ${data.attempt}` : '', data.outcome ? ` (${data.outcome})` : '', data.cancelRequested ? ' · cancel requested' : '', data.error ? ` · ${data.error.type}: ${data.error.message}` : ''];
  } else if (event.type === 'progress') {
    text = typeof data.percent === 'number' ? [h('progress', { max: 100, value: data.percent }), ` ${data.percent}%`, data.message ? ` ${data.message}` : ''] : JSON.stringify(data);
  } else {
    text = typeof data.message === 'string' ? data.message : JSON.stringify(data);
  }
  return h('li', { 'data-type': event.type }, h('span', { class: 'event-id mono' }, `#${event.id}`), h('span', { class: `event-type t-${event.type}` }, event.type), h('span', { class: 'event-time' }, data.at ? time(data.at) : ''), h('span', { class: 'event-text' }, text));
}

/** A modal that asks before cancelling; Escape or "Keep running" closes it without doing anything. */
function confirmDialog(onConfirm) {
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'confirm-title' },
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'confirm-title' }, 'Cancel this run?'),
      h('p', {}, 'A queued run will never start. A running agent is signalled (SIGTERM, then SIGKILL after its grace period) and may lose its work. This cannot be undone.'),
      h('div', { class: 'toolbar' }, h('button', { value: 'keep', class: 'secondary', autofocus: true }, 'Keep running'), h('button', { value: 'cancel', class: 'danger', id: 'confirm-cancel' }, 'Cancel run')),
    ),
  );
  dialog.addEventListener('close', () => {
    if (dialog.returnValue === 'cancel') onConfirm();
  });
  return dialog;
}
