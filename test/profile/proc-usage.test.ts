import test from 'ava';
import { ProcTreeSampler, treeUsage, type ProcUsage } from '../../services/worker/profile/proc-usage.js';
import { parseProcStat } from '../../services/worker/proc-stat.js';

// A /proc/<pid>/stat line whose command name holds a space and a parenthesis.
const STAT =
  '4242 (node (worker) x) S 4000 4242 4000 0 -1 4194560 1000 0 0 0 150 50 30 20 20 0 11 0 987654 1234567890 25600 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0';

test('a stat line gives CPU ticks (own and reaped children) and resident pages', (t) => {
  t.deepEqual(parseProcStat(STAT), { pid: 4242, ppid: 4000, state: 'S', startTime: '987654', cpuTicks: 150 + 50 + 30 + 20, rssPages: 25600 });
  t.is(parseProcStat('garbage'), undefined);
});

test('a tree sums its descendants, not its siblings or its parent', (t) => {
  const p = (pid: number, ppid: number, cpuTicks: number, rssPages: number, state = 'S'): ProcUsage => ({ pid, ppid, state, cpuTicks, rssPages });
  const table = [p(1, 0, 1000, 500), p(10, 1, 100, 40), p(11, 10, 10, 4), p(12, 10, 20, 8), p(13, 11, 5, 2), p(20, 1, 999, 999), p(14, 10, 1, 0, 'Z')];
  const usage = treeUsage(table, 10, { ticksPerSecond: 100, pageBytes: 4096 });
  t.deepEqual(usage, { cpuSeconds: (100 + 10 + 20 + 5 + 1) / 100, rootRssBytes: 40 * 4096, descendantsRssBytes: (4 + 8 + 2) * 4096, descendants: 3 });
  t.is(treeUsage(table, 99, { ticksPerSecond: 100, pageBytes: 4096 }), undefined);
});

test('this process, sampled from /proc, has used CPU and holds memory', async (t) => {
  const usage = await new ProcTreeSampler(process.pid).sample();
  t.truthy(usage);
  t.true(usage!.cpuSeconds > 0);
  // Node with AVA loaded is tens of MiB, never more than a few GiB.
  t.true(usage!.rootRssBytes > 10 * 1024 * 1024 && usage!.rootRssBytes < 4 * 1024 ** 3, `${usage!.rootRssBytes}`);
});
