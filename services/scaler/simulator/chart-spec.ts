import { POOL_NAMES } from '../../../environments/index.js';
import type { TimelineSample } from './engine.js';
import type { SimulationSummary } from './summary.js';

/**
 * The `--chart` picture as a Vega-Lite spec (pure data; chart-render.ts draws it): three panels over
 * the same UTC time axis, arrivals per minute, runs waiting in the queue, and slots in service per
 * pool stacked with the runs running drawn over them. Long traces are thinned to at most
 * `MAX_POINTS` samples: arrivals are averaged over the samples thinned, the queue keeps its highest
 * value so no peak is lost, capacity its last.
 */

const MAX_POINTS = 600;
const WIDTH = 900;
const PANEL_HEIGHT = 170;
const CHART_FONT = 'DejaVu Sans';

const POOL_LABELS: Record<(typeof POOL_NAMES)[number], string> = {
  spot: 'EC2 Spot',
  'on-demand': 'EC2 On-Demand',
  'burst-spot': 'Fargate Spot',
  'burst-ondemand': 'Fargate On-Demand',
};
const RUNNING = 'runs running';
const COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#222222'];

interface Thinned {
  at: number;
  arrivalsPerMinute: number;
  queued: number;
  running: number;
  pools: TimelineSample['pools'];
}

function thin(timeline: readonly TimelineSample[], tickSeconds: number): Thinned[] {
  const size = Math.max(1, Math.ceil(timeline.length / MAX_POINTS));
  const points: Thinned[] = [];
  for (let i = 0; i < timeline.length; i += size) {
    const group = timeline.slice(i, i + size);
    const last = group[group.length - 1] as TimelineSample;
    const arrivals = group.reduce((sum, sample) => sum + sample.arrivals, 0);
    points.push({
      at: (group[0] as TimelineSample).at,
      arrivalsPerMinute: (arrivals / (group.length * tickSeconds)) * 60,
      queued: Math.max(...group.map((sample) => sample.queued)),
      running: last.running,
      pools: last.pools,
    });
  }
  return points;
}

export function chartSpec(summary: SimulationSummary): Record<string, unknown> {
  const start = Date.parse(summary.trace.start);
  const time = (at: number) => new Date(start + at * 1000).toISOString();
  const points = thin(summary.timeline, summary.model.tickSeconds);
  const x = { field: 'time', type: 'temporal', scale: { type: 'utc' }, axis: { title: 'time (UTC)', format: '%H:%M', labelAngle: 0, grid: true } };

  const arrivals = points.map((p) => ({ time: time(p.at), value: Math.round(p.arrivalsPerMinute) }));
  const queue = points.map((p) => ({ time: time(p.at), value: p.queued }));
  const capacity = points.flatMap((p) => [
    ...POOL_NAMES.map((pool, order) => ({ time: time(p.at), series: POOL_LABELS[pool], order, value: p.pools[pool].inServiceSlots })),
    { time: time(p.at), series: RUNNING, order: POOL_NAMES.length, value: p.running },
  ]);
  const series = [...POOL_NAMES.map((pool) => POOL_LABELS[pool]), RUNNING];
  const colour = {
    field: 'series',
    type: 'nominal',
    scale: { domain: series, range: COLOURS },
    legend: { title: 'slots in service', orient: 'right', titleLimit: 220, labelLimit: 220 },
  };

  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `agentfleet simulate · ${summary.environment} · trace ${summary.trace.name} · policy ${summary.policy}`,
      subtitle:
        `cost $${summary.costUsd.toFixed(2)} over ${(summary.trace.durationSeconds / 3600).toFixed(1)} h · ` +
        `queue wait p50 ${summary.wait.p50} s, p95 ${summary.wait.p95} s, p99 ${summary.wait.p99} s · ` +
        `longest queue ${summary.maxQueue} runs · slot utilisation ${(summary.utilisation * 100).toFixed(1)} % · seed ${summary.seed}`,
      anchor: 'start',
      fontSize: 16,
    },
    config: { font: CHART_FONT, view: { stroke: '#bbbbbb' }, axis: { titleFontSize: 12, labelFontSize: 11 }, legend: { titleFontSize: 12, labelFontSize: 11 } },
    spacing: 28,
    vconcat: [
      {
        width: WIDTH,
        height: PANEL_HEIGHT,
        title: { text: 'Arrivals', anchor: 'start', fontSize: 13 },
        data: { values: arrivals },
        mark: { type: 'line', color: COLOURS[0], strokeWidth: 1.5 },
        encoding: { x, y: { field: 'value', type: 'quantitative', axis: { title: 'runs arriving per minute' } } },
      },
      {
        width: WIDTH,
        height: PANEL_HEIGHT,
        title: { text: 'Queue depth', anchor: 'start', fontSize: 13 },
        data: { values: queue },
        mark: { type: 'area', color: '#e45756', opacity: 0.7, line: { color: '#e45756' } },
        encoding: { x, y: { field: 'value', type: 'quantitative', axis: { title: 'runs waiting in the queue' } } },
      },
      {
        width: WIDTH,
        height: PANEL_HEIGHT * 1.4,
        title: { text: 'Capacity per pool', anchor: 'start', fontSize: 13 },
        data: { values: capacity },
        layer: [
          {
            transform: [{ filter: `datum.series !== '${RUNNING}'` }],
            mark: { type: 'area', opacity: 0.85 },
            encoding: {
              x,
              y: { field: 'value', type: 'quantitative', stack: 'zero', axis: { title: 'slots in service (stacked)' } },
              color: colour,
              order: { field: 'order', type: 'quantitative' },
            },
          },
          {
            transform: [{ filter: `datum.series === '${RUNNING}'` }],
            mark: { type: 'line', strokeWidth: 1.5, strokeDash: [4, 2] },
            encoding: { x, y: { field: 'value', type: 'quantitative' }, color: colour },
          },
        ],
      },
    ],
  };
}
