import test from 'ava';
import { chartSpec } from '../../services/scaler/simulator/chart-spec.js';
import { renderSvg, svgToPng } from '../../services/scaler/simulator/chart-render.js';
import { summarise } from '../../services/scaler/simulator/summary.js';
import { loadTrace } from '../../services/scaler/simulator/trace.js';
import { prod, SHORT_TRACE_FILE, simulateShort } from './helpers.js';

const summary = summarise(prod, loadTrace(SHORT_TRACE_FILE), simulateShort());

test('the chart SVG has a title, axes with units and a legend of the pools', async (t) => {
  const svg = await renderSvg(chartSpec(summary));
  t.true(svg.startsWith('<svg'));
  for (const text of [
    'agentfleet simulate · prod · trace short-burst',
    'time (UTC)',
    'runs arriving per minute',
    'runs waiting in the queue',
    'slots in service (stacked)',
    'EC2 Spot',
    'EC2 On-Demand',
    'Fargate Spot',
    'Fargate On-Demand',
    'runs running',
  ]) {
    t.true(svg.includes(text), `missing "${text}"`);
  }
  // Time labels are clock times of the trace (16:00 UTC onwards), not offsets.
  t.regex(svg, />16:[0-5]0</);
});

test('the PNG is drawn with text (a font is shipped, none is needed on the machine)', async (t) => {
  const svg = await renderSvg(chartSpec(summary));
  const png = await svgToPng(svg);
  t.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // Without glyphs the same picture compresses much smaller: text adds detail.
  const withoutText = await svgToPng(svg.replace(/<text[^>]*>[^<]*<\/text>/g, ''));
  t.true(png.length > withoutText.length * 1.1, `${png.length} vs ${withoutText.length} bytes`);
});
