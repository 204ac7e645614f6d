// The queue over the last hour, from GET /v1/queue/history, drawn with uPlot (served from the API).
/* global uPlot -- a classic script (uplot.iife.min.js) loaded by index.html before this module defines it */
import { h } from './dom.js';

const SERIES = [
  { key: 'visible', label: 'Visible', color: '--c1' },
  { key: 'inFlight', label: 'In flight', color: '--c2' },
  { key: 'delayed', label: 'Delayed', color: '--c3' },
  { key: 'deadLettered', label: 'Dead-lettered', color: '--c4' },
];

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

function options(title, width, series, yLabel) {
  const axis = { stroke: css('--muted'), grid: { stroke: css('--grid') }, ticks: { stroke: css('--grid') } };
  return {
    title,
    width,
    height: 220,
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [axis, { ...axis, label: yLabel, size: 56 }],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: css(s.color), width: 2, points: { show: false } }))],
    legend: { live: false },
  };
}

/** Builds the two charts into `root`; returns update(samples) and destroy(). */
export function queueCharts(root) {
  const counts = h('div', { class: 'chart', id: 'chart-counts', role: 'img', 'aria-label': 'Queue messages over the last hour' });
  const age = h('div', { class: 'chart', id: 'chart-age', role: 'img', 'aria-label': 'Age of the oldest waiting run over the last hour' });
  root.replaceChildren(counts, age);
  let plots = [];
  let lastSamples = [];

  const draw = () => {
    for (const plot of plots) plot.destroy();
    plots = [];
    if (typeof uPlot === 'undefined') {
      counts.replaceChildren(h('p', { class: 'muted' }, 'The chart library did not load; reload the page.'));
      return;
    }
    const width = Math.max(280, root.clientWidth - 2);
    const x = lastSamples.map((s) => Date.parse(s.at) / 1000);
    plots.push(
      new uPlot(options('Messages', width, SERIES, 'messages'), [x, ...SERIES.map((s) => lastSamples.map((sample) => sample[s.key]))], counts),
      new uPlot(
        options('Oldest waiting run', width, [{ label: 'Oldest age (s)', color: '--c5' }], 'seconds'),
        [x, lastSamples.map((s) => s.oldestAgeSeconds)],
        age,
      ),
    );
  };

  let resizeTimer;
  const observer = new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => plots.length && draw(), 150);
  });
  observer.observe(root);
  const scheme = matchMedia('(prefers-color-scheme: dark)');
  const redraw = () => draw();
  scheme.addEventListener('change', redraw);

  return {
    update(samples) {
      lastSamples = samples;
      if (plots.length === 0) return draw();
      const x = samples.map((s) => Date.parse(s.at) / 1000);
      plots[0].setData([x, ...SERIES.map((s) => samples.map((sample) => sample[s.key]))]);
      plots[1].setData([x, samples.map((s) => s.oldestAgeSeconds)]);
    },
    destroy() {
      observer.disconnect();
      scheme.removeEventListener('change', redraw);
      clearTimeout(resizeTimer);
      for (const plot of plots) plot.destroy();
    },
  };
}
