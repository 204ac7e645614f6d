import test from 'ava';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerSpec } from '../../modules/lib/container.js';
import { AGENT_USER } from '../../modules/lib/agent-user.js';
import { imdsGuardRule, workerUserData } from '../../modules/worker-pool/user-data.js';

/**
 * The boot script runs for real under bash; the commands it calls on an instance (curl to IMDS, dnf,
 * systemctl, aws, docker, install) are replaced by stubs on PATH that answer like the instance would
 * and record what they were asked. No server here can stand in for an EC2 instance.
 */

const container: ContainerSpec = {
  image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/agentfleet-dev:0.1.0',
  imageRepositoryArn: 'arn:aws:ecr:us-east-1:123456789012:repository/agentfleet-dev',
  command: ['worker'],
  environment: { QUEUE_DRIVER: 'sqs', SQS_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/agentfleet-dev-runs', AGENTFLEET_ENV: 'dev' },
  secrets: { REDIS_URL: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:agentfleet-dev-state-url' },
  logGroupName: '/agentfleet/dev/worker',
  logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/agentfleet/dev/worker',
};

const script = workerUserData({
  region: 'us-east-1',
  container,
  slotsByType: { 'm6g.large': 4, 'm6g.2xlarge': 16 },
  environment: { WORKER_POOL: 'spot', WORKER_LIFECYCLE_HOOK: 'agentfleet-dev-spot-drain' },
  stopTimeoutSeconds: 900,
  agentUser: AGENT_USER,
});

const STUBS: Record<string, string> = {
  curl: `case "$*" in *api/token*) echo token ;; *instance-id*) echo i-0abc ;; *instance-type*) echo "$INSTANCE_TYPE" ;; esac`,
  dnf: 'true',
  systemctl: 'true',
  install: 'true',
  aws: `echo "aws $*" >> "$CALLS"; case "$*" in *get-secret-value*) echo 'rediss://:token@redis:6379' ;; *get-login-password*) echo password ;; esac`,
  docker: `echo "docker $*" >> "$CALLS"; cat > /dev/null`,
  iptables: `echo "iptables $*" >> "$CALLS"`,
};

function boot(instanceType: string): { status: number | null; envFile: string; unit: string; calls: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'agentfleet-user-data-'));
  try {
    for (const [name, body] of Object.entries(STUBS)) {
      writeFileSync(join(dir, name), `#!/bin/bash\n${body}\n`);
      chmodSync(join(dir, name), 0o755);
    }
    const envFile = join(dir, 'worker.env');
    const unit = join(dir, 'imds-guard.service');
    const calls = join(dir, 'calls');
    writeFileSync(calls, '');
    const local = script
      .replace('ENV_FILE=/etc/agentfleet/worker.env', `ENV_FILE=${envFile}`)
      .replace('GUARD_UNIT=/etc/systemd/system/agentfleet-imds-guard.service', `GUARD_UNIT=${unit}`);
    writeFileSync(join(dir, 'user-data.sh'), local);
    const run = spawnSync('bash', [join(dir, 'user-data.sh')], {
      env: { PATH: `${dir}:/usr/bin:/bin`, INSTANCE_TYPE: instanceType, CALLS: calls },
      encoding: 'utf8',
    });
    const read = (path: string) => {
      try {
        return readFileSync(path, 'utf8');
      } catch {
        return '';
      }
    };
    return { status: run.status, envFile: read(envFile), unit: read(unit), calls: read(calls).split('\n').filter(Boolean) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the boot script is valid bash', (t) => {
  const check = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  t.is(check.status, 0, check.stderr);
});

test('a worker boots with the slots of its instance type, the shared environment and REDIS_URL from Secrets Manager', (t) => {
  const { status, envFile, calls } = boot('m6g.2xlarge');
  t.is(status, 0);
  const env = Object.fromEntries(envFile.trim().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
  t.like(env, {
    WORKER_SLOTS: '16',
    WORKER_POOL: 'spot',
    WORKER_LIFECYCLE_HOOK: 'agentfleet-dev-spot-drain',
    SQS_QUEUE_URL: container.environment.SQS_QUEUE_URL,
    REDIS_URL: 'rediss://:token@redis:6379',
  });
  const run = calls.find((c) => c.startsWith('docker run'));
  t.truthy(run);
  t.regex(run ?? '', /--stop-timeout 900 /);
  t.regex(run ?? '', /^docker run -d --init /, 'an init as PID 1 reaps agents\' orphans and forwards SIGTERM');
  t.regex(run ?? '', /awslogs-group=\/agentfleet\/dev\/worker/);
  t.true(run?.endsWith(`${container.image} worker`));
  t.true(calls.some((c) => c === 'docker login --username AWS --password-stdin 123456789012.dkr.ecr.us-east-1.amazonaws.com'));
});

test('command agents run as their own uid, which a boot-time rule keeps from IMDS; the worker keeps IMDS and only the capabilities to switch users', (t) => {
  const { status, envFile, unit, calls } = boot('m6g.large');
  t.is(status, 0);
  t.regex(envFile, new RegExp(`^AGENT_UID=${AGENT_USER.uid}$`, 'm'));
  t.regex(envFile, new RegExp(`^AGENT_GID=${AGENT_USER.gid}$`, 'm'));
  const rule = imdsGuardRule(AGENT_USER.uid);
  t.is(rule, `OUTPUT -d 169.254.169.254/32 -m owner --uid-owner ${AGENT_USER.uid} -j DROP`);
  // A unit ordered before Docker, so the rule is back before the worker restarts after a reboot.
  t.regex(unit, /^Before=docker\.service$/m);
  t.true(unit.includes(`ExecStart=/usr/sbin/iptables -I ${rule}`));
  t.true(calls.includes(`iptables -C ${rule}`), 'the boot checks the rule is in place');
  const run = calls.find((c) => c.startsWith('docker run')) ?? '';
  t.true(calls.indexOf(`iptables -C ${rule}`) < calls.indexOf(run), 'the rule is checked before the worker starts');
  // Host network: the OUTPUT chain sees the container's packets with their uid.
  t.regex(run, /--network host --user 0:0 --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add KILL --security-opt no-new-privileges /);
  t.false(([0, 1000] as number[]).includes(AGENT_USER.uid), 'neither root (the worker) nor the host\'s ec2-user');
});

test('an instance type without a slot count marks the instance unhealthy instead of idling', (t) => {
  const { status, calls } = boot('t3.micro');
  t.not(status, 0);
  t.true(calls.some((c) => c.includes('autoscaling set-instance-health') && c.includes('--instance-id i-0abc') && c.includes('Unhealthy')));
  t.false(calls.some((c) => c.startsWith('docker run')));
});

test('a value that would break out of its quotes is refused when the script is rendered', (t) => {
  t.throws(
    () => workerUserData({ region: 'us-east-1', container: { ...container, image: "evil'; rm -rf /" }, slotsByType: {}, environment: {}, stopTimeoutSeconds: 1, agentUser: AGENT_USER }),
    { message: /image contains a newline, quote or backtick/ },
  );
  t.throws(
    () => workerUserData({ region: 'us-east-1', container, slotsByType: {}, environment: { BAD: 'a\nb' }, stopTimeoutSeconds: 1, agentUser: AGENT_USER }),
    { message: /BAD contains a newline/ },
  );
});
