// Fleet and queue: pools, the scaler's last decision with its reasons, workers and their breakers,
// the queue now and over the last hour.
import { api } from './api.js';
import { h, table, time } from './dom.js';
import { queueCharts } from './queue-charts.js';
import { emptyState, errorBanner } from './states.js';

const REFRESH_MS = 5000;

export function mountFleetView(root, { onUnauthorized }) {
  let stopped = false;
  let timer;
  const banner = h('div');
  const queueNow = h('div', { class: 'stats', id: 'queue-now' });
  const chartsRoot = h('div', { class: 'charts' });
  const chartsNote = h('p', { class: 'muted small' });
  const pools = h('div', { id: 'pools' });
  const decision = h('div', { id: 'decision' });
  const workers = h('div', { id: 'workers' });
  const updated = h('span', { class: 'muted small', 'aria-live': 'polite' });

  root.replaceChildren(
    h('div', { class: 'view-head' }, h('h1', {}, 'Fleet & queue'), h('div', { class: 'toolbar' }, updated)),
    banner,
    h('section', { 'aria-labelledby': 'queue-title' }, h('h2', { id: 'queue-title' }, 'Queue'), queueNow, chartsRoot, chartsNote),
    h('section', { 'aria-labelledby': 'pools-title' }, h('h2', { id: 'pools-title' }, 'Pools'), pools),
    h('section', { 'aria-labelledby': 'decision-title' }, h('h2', { id: 'decision-title' }, "Scaler's last decision"), decision),
    h('section', { 'aria-labelledby': 'workers-title' }, h('h2', { id: 'workers-title' }, 'Workers'), workers),
  );
  const charts = queueCharts(chartsRoot);

  const load = async () => {
    clearTimeout(timer);
    try {
      const [queue, history, fleet] = await Promise.all([api('/v1/queue'), api('/v1/queue/history'), api('/v1/fleet')]);
      if (stopped) return;
      banner.replaceChildren();
      renderQueue(queue);
      charts.update(history.samples);
      chartsNote.textContent =
        history.samples.length < 2
          ? `Collecting samples: the API records the queue every ${history.periodSeconds} s; the charts fill in over the next minute.`
          : `${history.samples.length} samples, one every ${history.periodSeconds} s, over the last hour.`;
      renderPools(fleet.pools);
      renderDecision(fleet.lastDecision);
      renderWorkers(fleet.workers ?? []);
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    } catch (error) {
      if (stopped) return;
      if (error.status === 401) return onUnauthorized();
      banner.replaceChildren(errorBanner(error));
    }
    if (!stopped) timer = setTimeout(load, REFRESH_MS);
  };

  const renderQueue = (q) => {
    const stat = (label, value, id) => h('div', { class: 'stat', id }, h('span', { class: 'stat-value' }, value), h('span', { class: 'stat-label' }, label));
    queueNow.replaceChildren(
      stat('visible', String(q.visible), 'stat-visible'),
      stat('in flight', String(q.inFlight), 'stat-in-flight'),
      stat('delayed', String(q.delayed), 'stat-delayed'),
      stat('oldest waiting', `${Math.round(q.oldestAgeSeconds)} s`, 'stat-oldest'),
      stat('dead-lettered', String(q.deadLettered), 'stat-dead'),
    );
  };

  const renderPools = (list) => {
    if (list.length === 0) {
      pools.replaceChildren(emptyState('No pools and no workers reporting.', 'Start a worker (', h('code', {}, 'agentfleet worker'), ', or ', h('code', {}, 'make dev'), '); it reports here within seconds.'));
      return;
    }
    pools.replaceChildren(
      table(
        ['Pool', 'Kind', 'Desired', 'Running', 'Busy / total slots', 'Min', 'Max'],
        list.map((p) =>
          h(
            'tr',
            { 'data-pool': p.name },
            h('th', { scope: 'row' }, p.name),
            h('td', {}, p.kind),
            h('td', { class: 'num' }, String(p.desired)),
            h('td', { class: 'num' }, String(p.running)),
            h('td', {}, h('meter', { min: 0, max: Math.max(1, p.totalSlots), value: p.busySlots, title: `${p.busySlots} of ${p.totalSlots} slots busy` }), ` ${p.busySlots} / ${p.totalSlots}`),
            h('td', { class: 'num' }, String(p.min)),
            h('td', { class: 'num' }, String(p.max)),
          ),
        ),
        'Worker pools',
      ),
    );
  };

  const renderDecision = (d) => {
    if (!d) {
      decision.replaceChildren(emptyState('No decision from a scaler yet.', 'The scaler publishes one every tick; start it with ', h('code', {}, 'agentfleet scaler'), ' (', h('code', {}, 'make dev'), ' runs one).'));
      return;
    }
    const rule = d.rule ? `visible > ${d.rule.visibleAbove}: add ${d.rule.addInstances} instance(s)${d.rule.enableBurst ? ', enable burst' : ''}` : 'none fired';
    const queue = d.queue ? Object.entries(d.queue).map(([k, v]) => `${k} ${typeof v === 'number' ? Math.round(v * 10) / 10 : v}`).join(' · ') : '—';
    decision.replaceChildren(
      h(
        'div',
        { class: 'card' },
        h(
          'dl',
          { class: 'facts' },
          h('dt', {}, 'Decided'),
          h('dd', {}, time(d.at)),
          h('dt', {}, 'Policy'),
          h('dd', {}, d.policy ?? '—'),
          h('dt', {}, 'Rule'),
          h('dd', { id: 'decision-rule' }, rule),
          h('dt', {}, 'Target slots'),
          h('dd', {}, String(d.targetSlots ?? '—')),
          h('dt', {}, 'Queue seen'),
          h('dd', {}, queue),
          h('dt', {}, 'Changed'),
          h('dd', {}, d.changed ? 'yes' : 'no', d.dryRun ? ' (dry run)' : ''),
        ),
        h(
          'ul',
          { class: 'reasons', id: 'decision-reasons' },
          (d.pools ?? []).map((p) =>
            h(
              'li',
              {},
              h('strong', {}, p.name),
              ` ${p.current} → ${p.desired} ${p.unit}`,
              h('ul', {}, (p.reasons ?? []).map((r) => h('li', {}, h('code', {}, r.code), ' ', r.message))),
            ),
          ),
        ),
      ),
    );
  };

  const renderWorkers = (list) => {
    if (list.length === 0) {
      workers.replaceChildren(emptyState('No workers are reporting.', 'A worker reports every few seconds; one silent for 15 s is dropped from this list.'));
      return;
    }
    workers.replaceChildren(
      table(
        ['Worker', 'Pool', 'Instance', 'Busy / slots', 'Breaker', 'Draining', 'Started', 'Last report'],
        list.map((w) =>
          h(
            'tr',
            { 'data-worker': w.id },
            h('td', { class: 'mono' }, w.id),
            h('td', {}, w.pool),
            h('td', { class: 'mono' }, w.instanceId ?? '—'),
            h('td', { class: 'num' }, `${w.busy} / ${w.slots}`),
            h('td', {}, h('span', { class: `badge b-${w.breaker}` }, w.breaker)),
            h('td', {}, w.draining ? 'yes' : 'no'),
            h('td', {}, time(w.startedAt)),
            h('td', {}, time(w.seenAt)),
          ),
        ),
        'Workers by id',
      ),
    );
  };

  load();
  return () => {
    stopped = true;
    clearTimeout(timer);
    charts.destroy();
  };
}
