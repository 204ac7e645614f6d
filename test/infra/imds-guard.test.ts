import test from 'ava';
import { spawnSync } from 'node:child_process';
import { AGENT_USER } from '../../modules/lib/agent-user.js';
import { imdsGuardRule } from '../../modules/worker-pool/user-data.js';

/**
 * The IMDS rule the worker boot script installs, applied for real: in a private network namespace
 * (no EC2 here, so 169.254.169.254 is put on loopback with a small HTTP server behind it), the agents'
 * uid is refused while root (the worker) and any other uid still get through. Needs root, iptables,
 * unshare and setpriv; skipped elsewhere.
 */

const available = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const canRun = process.getuid?.() === 0 && available('iptables', ['--version']) && available('unshare', ['--version']) && available('setpriv', ['--version']);
const onRoot = canRun ? test : test.skip;

const PORT = 8080;

/** HTTP status (or `blocked`) for root, the agents' uid and another uid, with `rule` in OUTPUT (or none). */
function probe(rule: string | undefined): Record<string, string> {
  const server = `require('node:http').createServer((_, res) => res.end('ok')).listen(${PORT}, '169.254.169.254')`;
  const fetch = (who: string, prefix: string) =>
    `${prefix} curl -s -o /dev/null -w "${who}=%{http_code}\\n" --max-time 2 http://169.254.169.254:${PORT}/ || echo ${who}=blocked`;
  const asUser = (uid: number) => `setpriv --reuid ${uid} --regid ${uid} --clear-groups`;
  const script = [
    'set -u',
    'ip link set lo up',
    'ip addr add 169.254.169.254/32 dev lo',
    `"${process.execPath}" -e "${server}" & server=$!`,
    `for i in $(seq 50); do curl -s --max-time 1 http://169.254.169.254:${PORT}/ >/dev/null && break; sleep 0.1; done`,
    ...(rule ? [`iptables -I ${rule}`] : []),
    fetch('root', ''),
    fetch('agent', asUser(AGENT_USER.uid)),
    fetch('other', asUser(AGENT_USER.uid + 1)),
    'kill $server',
  ].join('\n');
  const run = spawnSync('unshare', ['-n', 'bash', '-c', script], { encoding: 'utf8', timeout: 30_000 });
  return Object.fromEntries(run.stdout.trim().split('\n').map((line) => line.split('=') as [string, string]));
}

onRoot('the boot script\'s rule keeps the agents\' uid from IMDS; root (the worker) and other users still reach it', (t) => {
  t.deepEqual(probe(undefined), { root: '200', agent: '200', other: '200' }, 'without the rule every user reaches it: the probe can fail');
  t.deepEqual(probe(imdsGuardRule(AGENT_USER.uid)), { root: '200', agent: 'blocked', other: '200' });
});
