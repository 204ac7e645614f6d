import type { ContainerSpec } from '../lib/container.js';

/**
 * The boot script of a worker instance: install Docker, learn the instance type from IMDSv2 and look
 * up its slots (the ASG's weighted capacity, rendered from the config), then run the image's worker
 * with the same environment the Fargate workers get. A failed boot marks the instance unhealthy so
 * the ASG replaces it instead of paying for an instance that runs nothing.
 *
 * Command agents must not reach the instance metadata service (it hands out the instance role's
 * credentials), while the worker must (Spot notices, scale-in, its instance id). The worker container
 * shares the host's network, runs as root with only the capabilities to switch users and signal its
 * agents, and starts agents as `agentUser` (AGENT_UID/AGENT_GID); a systemd unit ordered before
 * Docker, so it holds after a reboot too, drops that uid's packets to IMDS in the host's OUTPUT chain.
 *
 * The script passes through Terraform, so it never uses `${` or `%{` (Terraform template syntax).
 */

export interface WorkerUserDataInput {
  region: string;
  container: ContainerSpec;
  /** Instance type → slots. */
  slotsByType: Record<string, number>;
  /** Extra environment for these workers (pool name, lifecycle hook name). */
  environment: Record<string, string>;
  /** Seconds Docker waits after SIGTERM before killing the worker. */
  stopTimeoutSeconds: number;
  /** Numeric user and group command agents run as; the only ones kept from IMDS. */
  agentUser: { uid: number; gid: number };
}

/** The rule keeping the agents' uid from the instance metadata service (IPv4; the IPv6 endpoint stays off). */
export function imdsGuardRule(uid: number): string {
  return `OUTPUT -d 169.254.169.254/32 -m owner --uid-owner ${uid} -j DROP`;
}

const SAFE_VALUE = /^[^\n'`]*$/;

function quote(value: string, what: string): string {
  if (!SAFE_VALUE.test(value)) throw new Error(`worker user data: ${what} contains a newline, quote or backtick`);
  return `'${value}'`;
}

export function workerUserData(input: WorkerUserDataInput): string {
  const { container } = input;
  const { uid, gid } = input.agentUser;
  if (![uid, gid].every((id) => Number.isInteger(id) && id > 0)) throw new Error('worker user data: agentUser needs positive integer ids');
  const environment = { ...container.environment, ...input.environment, AGENT_UID: String(uid), AGENT_GID: String(gid) };
  const envLines = Object.entries(environment).map(([name, value]) => {
    if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`worker user data: bad variable name ${name}`);
    if (!SAFE_VALUE.test(value)) throw new Error(`worker user data: ${name} contains a newline, quote or backtick`);
    return `${name}=${value}`;
  });
  const secretLines = Object.entries(container.secrets).map(
    ([name, arn]) =>
      `echo "${name}=$(aws secretsmanager get-secret-value --region "$REGION" --secret-id ${quote(arn, name)} --query SecretString --output text)" >> "$ENV_FILE"`,
  );
  const cases = Object.entries(input.slotsByType).map(([type, slots]) => `  ${type}) SLOTS=${slots} ;;`);
  const command = container.command.map((arg) => quote(arg, 'command')).join(' ');

  return `#!/bin/bash
set -euo pipefail
REGION=${quote(input.region, 'region')}
IMAGE=${quote(container.image, 'image')}
ENV_FILE=/etc/agentfleet/worker.env
GUARD_UNIT=/etc/systemd/system/agentfleet-imds-guard.service

TOKEN=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21600' http://169.254.169.254/latest/api/token)
imds() { curl -sf -H "X-aws-ec2-metadata-token: $TOKEN" "http://169.254.169.254/latest/meta-data/$1"; }
INSTANCE_ID=$(imds instance-id)
INSTANCE_TYPE=$(imds instance-type)
give_up() {
  echo "agentfleet: worker boot failed; marking $INSTANCE_ID unhealthy" >&2
  aws autoscaling set-instance-health --region "$REGION" --instance-id "$INSTANCE_ID" --health-status Unhealthy --no-should-respect-grace-period || true
}
trap give_up ERR

case "$INSTANCE_TYPE" in
${cases.join('\n')}
  *) echo "agentfleet: no slot count for $INSTANCE_TYPE" >&2; false ;;
esac

dnf install -y -q docker iptables-nft
cat > "$GUARD_UNIT" <<'AGENTFLEET_UNIT'
[Unit]
Description=Keep agentfleet command agents (uid ${uid}) away from the instance metadata service
Before=docker.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/sbin/iptables -I ${imdsGuardRule(uid)}
ExecStop=/usr/sbin/iptables -D ${imdsGuardRule(uid)}
[Install]
WantedBy=multi-user.target
AGENTFLEET_UNIT
systemctl daemon-reload
systemctl enable --now agentfleet-imds-guard.service
iptables -C ${imdsGuardRule(uid)}
systemctl enable --now docker

install -d -m 700 /etc/agentfleet
cat > "$ENV_FILE" <<'AGENTFLEET_ENV'
${envLines.join('\n')}
AGENTFLEET_ENV
echo "WORKER_SLOTS=$SLOTS" >> "$ENV_FILE"
${secretLines.join('\n')}
chmod 600 "$ENV_FILE"

aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$(echo "$IMAGE" | cut -d/ -f1)"
docker run -d --init --name agentfleet-worker --restart unless-stopped --stop-timeout ${input.stopTimeoutSeconds} \\
  --network host --user 0:0 --cap-drop ALL --cap-add SETUID --cap-add SETGID --cap-add KILL --security-opt no-new-privileges \\
  --env-file "$ENV_FILE" \\
  --log-driver awslogs --log-opt awslogs-region="$REGION" --log-opt awslogs-group=${quote(container.logGroupName, 'log group')} \\
  --log-opt awslogs-stream="$INSTANCE_ID" \\
  "$IMAGE" ${command}
`;
}
