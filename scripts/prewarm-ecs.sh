#!/usr/bin/env bash
# Raises pre-warm floors of a deployed environment from outside its VPC. The floors live in Redis,
# which is private, so this runs `agentfleet scaler prewarm` inside the VPC: a one-off Fargate task of
# the scaler's task definition, on the scaler service's subnets and security groups, with the command
# overridden. It waits for the task to end and fails when the command failed.
#
#   scripts/prewarm-ecs.sh --env prod --schedule weekday-morning --for 30m
#   scripts/prewarm-ecs.sh --env prod --min 80 --pool spot --for 3h
#
# Needs the aws CLI and jq, with credentials allowed ecs:DescribeServices, ecs:RunTask,
# ecs:DescribeTasks and iam:PassRole on the scaler's two roles (the CI pre-warm role: modules/ci-access).
# .github/workflows/prewarm.yml calls it.
set -euo pipefail

usage() {
  echo "usage: scripts/prewarm-ecs.sh --env dev|staging|prod (--schedule NAME | --min N [--pool POOL]) [--for DURATION]" >&2
  exit 2
}
bad() {
  echo "prewarm-ecs: $1" >&2
  usage
}

declare -A given=()
while (($# > 0)); do
  case $1 in
    --env | --schedule | --min | --pool | --for)
      (($# >= 2)) && [[ -n $2 && $2 != --* ]] || bad "$1 needs a value"
      [[ -z ${given[$1]:-} ]] || bad "$1 is given twice"
      given[$1]=$2
      shift 2
      ;;
    -h | --help) usage ;;
    *) bad "unknown argument \"$1\"" ;;
  esac
done

env=${given[--env]:-}
schedule=${given[--schedule]:-}
min=${given[--min]:-}
pool=${given[--pool]:-}
duration=${given[--for]:-1h}

[[ -n $env ]] || bad "--env is required"
[[ $env =~ ^(dev|staging|prod)$ ]] || bad "--env: unknown environment \"$env\" (expected dev, staging or prod)"
if [[ -n $schedule ]]; then
  [[ -z $min && -z $pool ]] || bad "--schedule takes the floor and the pools from the environment's schedule; leave out --min and --pool"
  [[ $schedule =~ ^[a-z][a-z0-9-]*$ ]] || bad "--schedule: \"$schedule\" is not a schedule name (lowercase letters, digits and -)"
else
  [[ -n $min ]] || bad "--min or --schedule: one of them is required"
  [[ $min =~ ^[0-9]+$ ]] || bad "--min: expected a whole number ≥ 0, got \"$min\""
  pool=${pool:-spot}
  [[ $pool =~ ^(spot|on-demand|burst-spot|burst-ondemand)$ ]] || bad "--pool: unknown pool \"$pool\" (expected spot, on-demand, burst-spot or burst-ondemand)"
fi
[[ $duration =~ ^([0-9]+h)?([0-9]+m)?([0-9]+s)?$ && $duration =~ [1-9] ]] || bad "--for: expected a duration such as 90s, 30m, 2h or 1h30m, got \"$duration\""

for tool in aws jq; do
  command -v "$tool" >/dev/null || { echo "prewarm-ecs: $tool is not installed" >&2; exit 1; }
done

# Names as environments/names.ts gives them; the container name as modules/scaler-service sets it.
cluster=agentfleet-$env
service=$cluster-scaler
container=scaler
log_group=/agentfleet/$env/scaler

# The task runs the revision the service runs, where the service runs it.
described=$(aws ecs describe-services --cluster "$cluster" --services "$service" --output json)
task_definition=$(jq -r '.services[0].taskDefinition // empty' <<<"$described")
network=$(jq -c '.services[0].networkConfiguration // empty' <<<"$described")
if [[ -z $task_definition || -z $network ]]; then
  echo "prewarm-ecs: no service $service in cluster $cluster: is $env deployed? $(jq -c '.failures // []' <<<"$described")" >&2
  exit 1
fi

command=(scaler prewarm --env "$env" --for "$duration")
if [[ -n $schedule ]]; then command+=(--schedule "$schedule"); else command+=(--min "$min" --pool "$pool"); fi
# One argument a line (none holds a newline: all were checked above).
overrides=$(jq -cn --arg name "$container" --arg command "$(printf '%s\n' "${command[@]}")" \
  '{containerOverrides: [{name: $name, command: ($command | split("\n"))}]}')

echo "prewarm-ecs: running \`agentfleet ${command[*]}\` as a task of $task_definition in $cluster"
started=$(aws ecs run-task --cluster "$cluster" --task-definition "$task_definition" --launch-type FARGATE \
  --network-configuration "$network" --overrides "$overrides" --started-by agentfleet-prewarm --output json)
task=$(jq -r '.tasks[0].taskArn // empty' <<<"$started")
if [[ -z $task ]]; then
  echo "prewarm-ecs: ECS did not start the task: $(jq -c '.failures // []' <<<"$started")" >&2
  exit 1
fi
task_id=${task##*/}
logs="log group $log_group, stream $container/$container/$task_id"

# The waiter polls every 6 s for up to 10 minutes; the command itself takes seconds once the task runs.
if ! aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"; then
  echo "prewarm-ecs: task $task_id has not stopped after 10 minutes; see $logs" >&2
  exit 1
fi
stopped=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" --output json)
exit_code=$(jq -r --arg name "$container" '.tasks[0].containers[]? | select(.name == $name) | .exitCode // empty' <<<"$stopped")
if [[ $exit_code != 0 ]]; then
  reason=$(jq -r '[.tasks[0].stoppedReason, (.tasks[0].containers[]?.reason)] | map(select(. != null)) | join("; ")' <<<"$stopped")
  echo "prewarm-ecs: the prewarm command failed (exit code ${exit_code:-none}${reason:+: $reason}); see $logs" >&2
  exit 1
fi
echo "prewarm-ecs: floors written in $env; the scaler applies them on its next tick ($logs)"
