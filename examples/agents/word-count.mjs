#!/usr/bin/env node
// A command agent: input {text} as JSON on stdin, protocol lines on stdout (services/worker/README.md).
// It counts words a line at a time, saves a checkpoint after each line and resumes from the last one,
// so a run interrupted by a Spot reclaim continues where it stopped on another worker.
let stdin = '';
for await (const chunk of process.stdin) stdin += chunk;
const { text } = JSON.parse(stdin);
if (typeof text !== 'string') {
  console.log(JSON.stringify({ type: 'error', errorType: 'invalid_input', message: 'input.text: must be a string', retryable: false }));
  process.exit(1);
}
const say = (line) => console.log(JSON.stringify(line));
const lines = text.split('\n');
const resumed = process.env.AGENTFLEET_LAST_CHECKPOINT ? JSON.parse(process.env.AGENTFLEET_LAST_CHECKPOINT) : { line: 0, words: 0 };
let { line, words } = resumed;
process.on('SIGTERM', () => {
  say({ type: 'checkpoint', data: { line, words } });
  process.exit(143);
});
say({ type: 'log', message: `attempt ${process.env.AGENTFLEET_ATTEMPT}, starting at line ${line}` });
for (; line < lines.length; line++) {
  words += lines[line].split(/\s+/).filter(Boolean).length;
  say({ type: 'progress', percent: Math.round(((line + 1) / lines.length) * 100) });
  say({ type: 'checkpoint', data: { line: line + 1, words } });
}
say({ type: 'result', result: { words, lines: lines.length } });
