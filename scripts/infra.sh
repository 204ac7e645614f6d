#!/usr/bin/env bash
# make synth|plan|apply-plan|deploy|destroy|drift ENV=<stack>: synthesize one CDKTF stack, then drive
# Terraform on it. Stacks: dev, staging, prod (state in the environment's S3 bucket) and <env>-bootstrap
# (creates that bucket; apply it once first). Staging and prod need TF_VAR_api_certificate_arn (the API's
# ACM certificate); TF_VAR_image_tag picks the image to run (default: the environment's config).
#
#   check ACTION STACK   what ACTION needs (a known stack; terraform and AWS credentials unless synth),
#                        before anything runs; the Makefile calls it first
#   plan STACK [PLAN]    saves the plan (default cdktf.out/plans/STACK.tfplan), stamped with the commit it
#                        was made from, beside it its text (.txt) and a markdown summary (.md); REFRESH=false
#                        plans without refreshing (the PR plan role may not read secret values)
#   apply-plan STACK [PLAN]  applies exactly that saved plan, only at the commit and for the stack it
#                        was made for, and only when it is unchanged since
#   deploy STACK         plan, confirm (prod, unless CI=true), apply that plan
#   destroy STACK        confirm (prod, unless CI=true), destroy
#   drift STACK          plan -detailed-exitcode without the lock: exit 0 clean, 2 drift; the result
#                        (clean, drift, error) in cdktf.out/plans/STACK.drift, the report in .md
set -euo pipefail
cd "$(dirname "$0")/.."

# environments/main.ts STACK_NAMES; test/deploy/make-preflight.test.ts keeps the two lists equal.
STACKS=(dev staging prod dev-bootstrap staging-bootstrap prod-bootstrap)

usage() { echo "usage: scripts/infra.sh check ACTION STACK | synth|plan|apply-plan|deploy|destroy|drift STACK [PLAN]" >&2; exit 2; }
fail() { echo "$action: $1" >&2; exit 1; }

check() {
  local stacks=" ${STACKS[*]} "
  [[ -n $stack ]] || fail "ENV is not set: name the environment, e.g. \`make $action ENV=dev\` (one of: ${STACKS[*]})"
  [[ $stacks == *" $stack "* ]] || fail "unknown ENV \"$stack\": expected one of ${STACKS[*]}"
  [[ $action == synth ]] && return 0
  command -v terraform >/dev/null ||
    fail "terraform is not installed (or not on PATH): install Terraform >= 1.11 and retry"
  has_credentials ||
    fail "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in CI, an OIDC role) and retry"
}

has_credentials() {
  if command -v aws >/dev/null; then
    aws sts get-caller-identity >/dev/null 2>&1
  else
    [[ -n ${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-} ]] ||
      [[ -n ${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-} ]] ||
      [[ -f ${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials} ]]
  fi
}

(( $# >= 2 && $# <= 3 )) || usage
if [[ $1 == check ]]; then
  (( $# == 3 )) || usage
  action=$2 stack=$3
  check
  exit 0
fi
refresh=${REFRESH:-true}
[[ $refresh =~ ^(true|false)$ ]] || { echo "$1: REFRESH must be true or false, got \"$refresh\"" >&2; exit 2; }
action=$1
stack=$2
plan_file=$(realpath -m "${3:-cdktf.out/plans/$stack.tfplan}")
check

dir=cdktf.out/stacks/$stack
stamp_file=${plan_file%.tfplan}.stamp

# Offline provider installs where the local mirror exists (infra/terraform.rc names it).
mirror=$(sed -n 's/^[[:space:]]*path[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' infra/terraform.rc | head -n 1)
if [[ -n $mirror && -d $mirror ]]; then export TF_CLI_CONFIG_FILE=$PWD/infra/terraform.rc; fi
export TF_IN_AUTOMATION=1

confirm_prod() {
  [[ $stack == prod* && ${CI:-} != true ]] || return 0
  [[ -t 0 ]] || fail "$stack needs confirmation; run it from a terminal or set CI=true in a reviewed pipeline"
  read -r -p "$action $stack? Type the stack name to continue: " answer
  [[ $answer == "$stack" ]] || fail "not confirmed; nothing changed"
}

sha256() { if command -v sha256sum >/dev/null; then sha256sum "$1"; else shasum -a 256 "$1"; fi | cut -d' ' -f1; }
# The commit the working tree holds; `-dirty` when tracked files differ from it.
source_commit() {
  local commit
  commit=$(git rev-parse HEAD)
  if git diff --quiet HEAD; then echo "$commit"; else echo "$commit-dirty"; fi
}

synth() { npx tsx environments/main.ts "$stack"; }
init() { terraform -chdir="$dir" init -input=false -no-color >/dev/null; }

# The resources a plan touches and its closing line, for a PR comment or an issue.
summarize() {
  local text=$1 title=$2 verdict
  verdict=$(grep -E '^(Plan:|No changes\.|Changes to Outputs:)' "$text" | head -n 1 || true)
  {
    echo "### $title: ${verdict:-no plan (see the job log)}"
    if grep -qE '^  # ' "$text"; then
      echo
      echo '```'
      grep -E '^  # ' "$text" | sed 's/^  # //'
      echo '```'
    fi
  } >"${text%.txt}.md"
}

make_plan() {
  mkdir -p "$(dirname "$plan_file")"
  rm -f "$plan_file" "$stamp_file"
  # -lock=false: plan roles are read-only; apply takes the lock and refuses a plan whose state moved on.
  terraform -chdir="$dir" plan -lock=false -refresh="$refresh" -input=false -out="$plan_file"
  terraform -chdir="$dir" show -no-color "$plan_file" >"${plan_file%.tfplan}.txt"
  summarize "${plan_file%.tfplan}.txt" "$stack"
  [[ -z ${GITHUB_STEP_SUMMARY:-} ]] || cat "${plan_file%.tfplan}.md" >>"$GITHUB_STEP_SUMMARY"
  printf 'stack=%s\ncommit=%s\nsha256=%s\n' "$stack" "$(source_commit)" "$(sha256 "$plan_file")" >"$stamp_file"
}

stamped() { sed -n "s/^$1=//p" "$stamp_file"; }

verify_plan() {
  [[ -f $plan_file && -f $stamp_file ]] || fail "no saved plan at $plan_file (with its .stamp): run \`make plan ENV=$stack\` first"
  local commit
  commit=$(source_commit)
  [[ $(stamped stack) == "$stack" ]] || fail "$plan_file was made for $(stamped stack), not $stack"
  [[ $commit != *-dirty ]] || fail "the working tree has uncommitted changes; apply a saved plan only from a clean checkout"
  [[ $(stamped commit) == "$commit" ]] || fail "$plan_file was made at $(stamped commit), this checkout is $commit: plan again"
  [[ $(stamped sha256) == "$(sha256 "$plan_file")" ]] || fail "$plan_file changed after it was made: plan again"
}

case $action in
  synth) synth ;;
  plan)
    synth && init
    make_plan
    ;;
  apply-plan)
    verify_plan
    synth && init
    confirm_prod
    # Terraform itself refuses a plan whose state has moved on since ("Saved plan is stale").
    terraform -chdir="$dir" apply -input=false "$plan_file"
    ;;
  deploy)
    synth && init
    make_plan
    confirm_prod
    terraform -chdir="$dir" apply -input=false "$plan_file"
    ;;
  destroy)
    confirm_prod
    synth && init
    if [[ ${CI:-} == true ]]; then terraform -chdir="$dir" destroy -input=false -auto-approve; else terraform -chdir="$dir" destroy; fi
    ;;
  drift)
    synth && init
    mkdir -p "$(dirname "$plan_file")"
    report=${plan_file%.tfplan}.txt
    # -lock=false: a read-only look must not block (or be blocked by) a running apply.
    code=0
    terraform -chdir="$dir" plan -detailed-exitcode -lock=false -input=false -no-color >"$report" || code=$?
    cat "$report"
    summarize "$report" "drift in $stack"
    case $code in 0) result=clean ;; 2) result=drift ;; *) result=error ;; esac
    echo "$result" >"${plan_file%.tfplan}.drift"
    exit "$code"
    ;;
  *) usage ;;
esac
