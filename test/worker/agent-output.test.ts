import test from 'ava';
import { parseAgentLine, Tail } from '../../services/worker/agents/command-protocol.js';
import { LineSplitter } from '../../services/worker/agents/line-splitter.js';
import { parseProcStat } from '../../services/worker/proc-stat.js';
import { attemptReport, delaySeconds } from '../../services/worker/attempt-report.js';

function split(chunks: Buffer[], max = 1000) {
  const lines: string[] = [];
  const oversized: string[] = [];
  const splitter = new LineSplitter(max, (l) => lines.push(l), (p) => oversized.push(p));
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, oversized };
}

test('lines are split across chunks, CRLF is trimmed, a character split between chunks survives, and the last line needs no newline', (t) => {
  const euro = Buffer.from('€');
  const { lines } = split([Buffer.from('first\r\nsec'), Buffer.from('ond\n'), euro.subarray(0, 1), Buffer.concat([euro.subarray(1), Buffer.from('\nlast')])]);
  t.deepEqual(lines, ['first', 'second', '€', 'last']);
});

test('a line over the limit is reported once and skipped, whatever the chunking, and the next line is kept', (t) => {
  const { lines, oversized } = split([Buffer.from('x'.repeat(30)), Buffer.from('x'.repeat(30)), Buffer.from('x\nok\n')], 40);
  t.deepEqual(lines, ['ok']);
  t.is(oversized.length, 1);
});

test('protocol lines are read by type; anything else is text', (t) => {
  t.deepEqual(parseAgentLine('{"type":"log","message":"hi","level":"warn"}'), { type: 'log', message: 'hi', fields: { level: 'warn' } });
  t.deepEqual(parseAgentLine('{"type":"progress","percent":5}'), { type: 'progress', data: { percent: 5 } });
  t.deepEqual(parseAgentLine('{"type":"checkpoint","data":{"n":1}}'), { type: 'checkpoint', data: { n: 1 } });
  t.deepEqual(parseAgentLine('{"type":"result"}'), { type: 'result', result: null });
  t.deepEqual(parseAgentLine('{"type":"error","message":"no"}'), { type: 'error', error: { type: 'agent_error', message: 'no' }, retryable: true });
  t.deepEqual(parseAgentLine('{not json'), { type: 'text', line: '{not json' });
  t.deepEqual(parseAgentLine('[1,2]'), { type: 'text', line: '[1,2]' });
  t.deepEqual(parseAgentLine('{"kind":"log"}'), { type: 'text', line: '{"kind":"log"}' });
});

test('the stderr tail keeps the last lines within its bounds', (t) => {
  const tail = new Tail(2, 10);
  for (const line of ['one', 'two', 'three']) tail.push(line);
  t.is(tail.toString(), 'two\nthree');
  tail.push('a very long line indeed');
  t.is(tail.toString().length, 10);
});

test('/proc stat lines are parsed even when the command name holds spaces and parentheses', (t) => {
  const stat = '4242 (node (worker) x) S 4000 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 987654 1000 10';
  t.deepEqual(parseProcStat(stat), { pid: 4242, ppid: 4000, startTime: '987654', state: 'S', cpuTicks: 0, rssPages: 10 });
  t.is(parseProcStat('garbage'), undefined);
});

test('once aborted, the reason decides what the store is told', (t) => {
  const result = { kind: 'result', result: 42 } as const;
  const failure = { kind: 'error', error: { type: 'x', message: 'y' }, retryable: false } as const;
  t.deepEqual(attemptReport(undefined, result), { outcome: 'succeeded', result: 42 });
  t.deepEqual(attemptReport(undefined, failure), { outcome: 'failed', error: { type: 'x', message: 'y' }, retryable: false });
  t.deepEqual(attemptReport('timeout', result), { outcome: 'timed_out' });
  t.deepEqual(attemptReport('cancel', result), { outcome: 'cancelled' });
  t.deepEqual(attemptReport('interrupt', failure), { outcome: 'interrupted' });
  t.is(attemptReport('lease_lost', result), undefined);
  t.deepEqual([0, 1, 999, 1000, 1001, 10_000_000].map(delaySeconds), [0, 1, 1, 1, 2, 900]);
});
