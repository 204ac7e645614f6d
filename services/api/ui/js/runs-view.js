// The runs table: filters by status and agent (kept in the URL, with `limit`, the page size), cursor paging, auto-refresh.
import { api } from './api.js';
import { elapsed, h, statusBadge, table, time } from './dom.js';
import { emptyState, errorBanner } from './states.js';

const STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const DEFAULT_PAGE_SIZE = 25;
const REFRESH_MS = 3000;

export function mountRunsView(root, params, { onUnauthorized }) {
  const status = params.get('status') ?? '';
  const agent = params.get('agent') ?? '';
  const pageSize = Math.min(200, Math.max(1, Number(params.get('limit')) || DEFAULT_PAGE_SIZE));
  /** Cursors of the pages before this one; the first page's cursor is undefined. */
  const previous = [];
  let cursor;
  let nextCursor = null;
  let timer;
  let stopped = false;
  const agentsSeen = new Set(agent ? [agent] : []);

  const statusSelect = h(
    'select',
    { id: 'filter-status', name: 'status' },
    h('option', { value: '' }, 'any status'),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, s.replace('_', ' '))),
  );
  const agentList = h('datalist', { id: 'agents-seen' });
  const agentInput = h('input', { id: 'filter-agent', name: 'agent', value: agent, list: 'agents-seen', placeholder: 'any agent', autocomplete: 'off' });
  const filters = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter runs' },
    h('label', { for: 'filter-status' }, 'Status'),
    statusSelect,
    h('label', { for: 'filter-agent' }, 'Agent'),
    agentInput,
    agentList,
    h('button', { type: 'submit' }, 'Apply'),
    status || agent ? h('a', { href: '#/runs', class: 'button secondary' }, 'Clear filters') : null,
  );
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    if (statusSelect.value) query.set('status', statusSelect.value);
    if (agentInput.value.trim()) query.set('agent', agentInput.value.trim());
    if (params.has('limit')) query.set('limit', String(pageSize));
    location.hash = `#/runs${query.size ? `?${query}` : ''}`;
  });
  statusSelect.addEventListener('change', () => filters.requestSubmit());

  const autoRefresh = h('input', { type: 'checkbox', id: 'auto-refresh', checked: true });
  const updated = h('span', { class: 'muted small', 'aria-live': 'polite' });
  const banner = h('div');
  const body = h('div', { id: 'runs-body' });
  const prevButton = h('button', { type: 'button', class: 'secondary', disabled: true }, '← Newer');
  const nextButton = h('button', { type: 'button', class: 'secondary', disabled: true }, 'Older →');
  const pageLabel = h('span', { class: 'muted small' });

  root.replaceChildren(
    h('div', { class: 'view-head' }, h('h1', {}, 'Runs'), h('div', { class: 'toolbar' }, h('label', { class: 'inline' }, autoRefresh, ' Auto-refresh'), updated)),
    filters,
    banner,
    body,
    h('nav', { class: 'pager', 'aria-label': 'Pages' }, prevButton, pageLabel, nextButton),
  );

  const load = async () => {
    clearTimeout(timer);
    const query = new URLSearchParams({ limit: String(pageSize) });
    if (status) query.set('status', status);
    if (agent) query.set('agent', agent);
    if (cursor) query.set('cursor', cursor);
    try {
      const page = await api(`/v1/runs?${query}`);
      if (stopped) return;
      nextCursor = page.nextCursor;
      banner.replaceChildren();
      render(page.runs);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (stopped) return;
      if (error.status === 401) return onUnauthorized();
      banner.replaceChildren(errorBanner(error));
    }
    if (autoRefresh.checked && !stopped) timer = setTimeout(load, REFRESH_MS);
  };

  const render = (runs) => {
    for (const run of runs) agentsSeen.add(run.agent);
    agentList.replaceChildren(...[...agentsSeen].sort().map((name) => h('option', { value: name })));
    prevButton.disabled = previous.length === 0;
    nextButton.disabled = !nextCursor;
    pageLabel.textContent = `Page ${previous.length + 1}`;
    if (runs.length === 0) {
      body.replaceChildren(
        status || agent || cursor
          ? emptyState('No runs match these filters.', 'Clear the filters, or wait: this page refreshes every few seconds.')
          : emptyState('No runs yet for this API key.', 'Submit one with ', h('code', {}, `agentfleet submit --agent simulate --input '{"durationMs":2000}'`), ' or POST /v1/runs; it shows up here within seconds.'),
      );
      return;
    }
    body.replaceChildren(
      table(
        ['Run', 'Status', 'Agent', 'Created', 'Duration', 'Attempts'],
        runs.map((run) =>
          h(
            'tr',
            { 'data-run-id': run.id, 'data-status': run.status },
            h('td', {}, h('a', { href: `#/runs/${run.id}`, class: 'mono', title: run.id }, `…${run.id.slice(-12)}`)),
            h('td', {}, statusBadge(run.status)),
            h('td', {}, run.agent),
            h('td', {}, time(run.createdAt)),
            h('td', { class: 'num' }, elapsed(run.startedAt, run.finishedAt)),
            h('td', { class: 'num' }, `${run.attempts.length} / ${run.maxAttempts}`),
          ),
        ),
        'Runs, newest first',
        { stack: true },
      ),
    );
  };

  prevButton.addEventListener('click', () => {
    cursor = previous.pop();
    load();
  });
  nextButton.addEventListener('click', () => {
    if (!nextCursor) return;
    previous.push(cursor);
    cursor = nextCursor;
    load();
  });
  autoRefresh.addEventListener('change', () => (autoRefresh.checked ? load() : clearTimeout(timer)));

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
