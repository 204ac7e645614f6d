import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) into where the time goes: the functions with the
 * most self time, the time by package or project file, and the project functions with the most
 * inclusive time (themselves plus what they call). Pure: takes the parsed profile, returns data.
 */

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  children?: number[];
}

export interface TimeShare {
  name: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  samples: number;
  /** Samples left out because they were the measuring code's own (starting the profiler). */
  excludedSamples: number;
  idlePercent: number;
  topSelf: TimeShare[];
  byArea: TimeShare[];
  topInclusiveProject: TimeShare[];
  /**
   * Each sample charged to the nearest project function on its stack (its own code and the library
   * code it calls); samples with none (I/O callbacks, GC) stay with their area.
   */
  byNearestProjectFunction: TimeShare[];
}

const IDLE = '(idle)';
const NODE_MODULES = '/node_modules/';

interface Frame {
  key: string;
  area: string;
  project: boolean;
}

/**
 * `excludeUrl`: samples with a frame whose script URL contains it are left out, so the profiler's
 * own start-up (run from the bench probe inside the profiled process) does not count.
 */
export function summarizeCpuProfile(profile: CpuProfile, projectRoot: string, options: { top?: number; excludeUrl?: string } = {}): ProfileSummary {
  const top = options.top ?? 20;
  const frames = new Map<number, Frame>();
  const parents = new Map<number, number>();
  const excludedNodes = new Set<number>();
  for (const node of profile.nodes) {
    frames.set(node.id, describeFrame(node, projectRoot));
    for (const child of node.children ?? []) parents.set(child, node.id);
    if (options.excludeUrl && node.callFrame.url.includes(options.excludeUrl)) excludedNodes.add(node.id);
  }
  const isExcluded = (nodeId: number): boolean => {
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) if (excludedNodes.has(id)) return true;
    return false;
  };

  const self = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const nearest = new Map<string, number>();
  let totalUs = 0;
  let excludedSamples = 0;
  profile.samples.forEach((nodeId, index) => {
    if (excludedNodes.size > 0 && isExcluded(nodeId)) {
      excludedSamples += 1;
      return;
    }
    const us = Math.max(profile.timeDeltas[index] ?? 0, 0);
    totalUs += us;
    const frame = frames.get(nodeId);
    if (!frame) return;
    add(self, frame.key, us);
    add(byArea, frame.area, us);
    // Each function counts once per sample however deep its recursion.
    const seen = new Set<string>();
    let charged: string | undefined;
    for (let id: number | undefined = nodeId; id !== undefined; id = parents.get(id)) {
      const ancestor = frames.get(id);
      if (ancestor?.project && !seen.has(ancestor.key)) {
        seen.add(ancestor.key);
        add(inclusive, ancestor.key, us);
        charged ??= ancestor.key;
      }
    }
    add(nearest, charged ?? `${frame.area} (no project function on the stack)`, us);
  });

  const share = (entries: Map<string, number>, count: number): TimeShare[] =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => ({ name, ms: us / 1000, percent: totalUs > 0 ? (100 * us) / totalUs : 0 }));

  return {
    totalMs: totalUs / 1000,
    samples: profile.samples.length - excludedSamples,
    excludedSamples,
    idlePercent: totalUs > 0 ? (100 * (self.get(IDLE) ?? 0)) / totalUs : 0,
    topSelf: share(self, top),
    byArea: share(byArea, top),
    topInclusiveProject: share(inclusive, top),
    byNearestProjectFunction: share(nearest, top),
  };
}

/** Where a compiled position came from: the source file's URL and its 0-based line. */
export type SourceLocator = (url: string, lineNumber: number, columnNumber: number) => { url: string; lineNumber: number } | undefined;

/** The profile with every position the locator knows replaced by its source position. */
export function mapToSources(profile: CpuProfile, locate: SourceLocator): CpuProfile {
  return {
    ...profile,
    nodes: profile.nodes.map((node) => {
      const { url, lineNumber, columnNumber } = node.callFrame;
      const source = url === '' || lineNumber < 0 ? undefined : locate(url, lineNumber, columnNumber ?? 0);
      return source ? { ...node, callFrame: { ...node.callFrame, url: source.url, lineNumber: source.lineNumber } } : node;
    }),
  };
}

function add(map: Map<string, number>, key: string, amount: number): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

function describeFrame(node: CpuProfileNode, projectRoot: string): Frame {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') {
    // (idle), (program), (garbage collector), (root) and native functions without a script.
    const name = functionName || '(anonymous native)';
    return { key: name, area: name.startsWith('(') ? name : 'native', project: false };
  }
  const file = displayPath(url, projectRoot);
  const key = `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
  if (url.startsWith('node:')) return { key, area: 'node internals', project: false };
  const packageAt = url.lastIndexOf(NODE_MODULES);
  if (packageAt >= 0) return { key, area: `npm ${packageName(url.slice(packageAt + NODE_MODULES.length))}`, project: false };
  return { key, area: file, project: !file.startsWith('..') && !file.startsWith('/') };
}

function displayPath(url: string, projectRoot: string): string {
  if (!url.startsWith('file://')) return url;
  const path = fileURLToPath(url);
  const packageAt = path.lastIndexOf(NODE_MODULES);
  if (packageAt >= 0) return path.slice(packageAt + 1);
  return relative(projectRoot, path);
}

function packageName(rest: string): string {
  const parts = rest.split('/');
  return (rest.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

export function renderProfileMarkdown(summary: ProfileSummary, heading: string, context: string[]): string {
  const table = (title: string, rows: TimeShare[], column: string) => [
    `### ${title}`,
    '',
    `| ${column} | ms | % of profile |`,
    '|---|---:|---:|',
    ...rows.map((row) => `| \`${row.name.replaceAll('|', '\\|')}\` | ${row.ms.toFixed(0)} | ${row.percent.toFixed(1)} |`),
    '',
  ];
  return [
    `## ${heading}`,
    '',
    ...context.map((line) => `- ${line}`),
    `- ${summary.samples} samples over ${(summary.totalMs / 1000).toFixed(1)} s; idle ${summary.idlePercent.toFixed(1)} % (waiting for I/O: Redis, the network).`,
    ...(summary.excludedSamples > 0 ? [`- ${summary.excludedSamples} samples of the profiler starting up were left out.`] : []),
    '',
    ...table('Self time by area (package, project file, node internals, GC)', summary.byArea, 'area'),
    ...table('Time charged to the nearest project function (its code and the library code it calls)', summary.byNearestProjectFunction, 'function file:line'),
    ...table('Functions with the most self time', summary.topSelf, 'function file:line'),
    ...table('Project functions with the most inclusive time (self + callees)', summary.topInclusiveProject, 'function file:line'),
  ].join('\n');
}
