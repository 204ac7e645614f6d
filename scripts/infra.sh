#!/usr/bin/env bash
# make synth|plan|deploy|destroy ENV=<stack>: synthesize one CDKTF stack, then drive Terraform on it.
# Stacks: dev, staging, prod (state in the environment's S3 bucket) and <env>-bootstrap (creates that
# bucket; apply it once first). `deploy` and `destroy` refuse without AWS credentials and ask before
# touching prod unless CI=true. Staging and prod need TF_VAR_api_certificate_arn (the API's ACM
# certificate); TF_VAR_image_tag picks the image to run (default: the environment's config).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: scripts/infra.sh synth|plan|deploy|destroy <stack>" >&2; exit 2; }
(( $# == 2 )) || usage
action=$1
stack=$2
dir=cdktf.out/stacks/$stack
plan_file=$PWD/cdktf.out/$stack.tfplan

# Offline provider installs where the local mirror exists (infra/terraform.rc names it).
mirror=$(sed -n 's/^[[:space:]]*path[[:space:]]*=[[:space:]]*"\(.*\)"/\1/p' infra/terraform.rc | head -n 1)
if [[ -n $mirror && -d $mirror ]]; then export TF_CLI_CONFIG_FILE=$PWD/infra/terraform.rc; fi
export TF_IN_AUTOMATION=1

has_credentials() {
  if command -v aws >/dev/null; then
    aws sts get-caller-identity >/dev/null 2>&1
  else
    [[ -n ${AWS_ACCESS_KEY_ID:-}${AWS_PROFILE:-}${AWS_WEB_IDENTITY_TOKEN_FILE:-} ]] ||
      [[ -n ${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-} ]] ||
      [[ -f ${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials} ]]
  fi
}

require_credentials() {
  if ! has_credentials; then
    echo "$action: no usable AWS credentials; set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or an OIDC role in CI) and retry" >&2
    exit 1
  fi
}

confirm_prod() {
  [[ $stack == prod* && ${CI:-} != true ]] || return 0
  if [[ ! -t 0 ]]; then
    echo "$action: $stack needs confirmation; run it from a terminal or set CI=true in a reviewed pipeline" >&2
    exit 1
  fi
  read -r -p "$action $stack? Type the stack name to continue: " answer
  [[ $answer == "$stack" ]] || { echo "$action: not confirmed; nothing changed" >&2; exit 1; }
}

synth() { npx tsx environments/main.ts "$stack"; }
init() { terraform -chdir="$dir" init -input=false -no-color >/dev/null; }

case $action in
  synth) synth ;;
  plan)
    require_credentials
    synth && init
    terraform -chdir="$dir" plan -input=false -out="$plan_file"
    ;;
  deploy)
    require_credentials
    synth && init
    terraform -chdir="$dir" plan -input=false -out="$plan_file"
    confirm_prod
    terraform -chdir="$dir" apply -input=false "$plan_file"
    ;;
  destroy)
    require_credentials
    confirm_prod
    synth && init
    if [[ ${CI:-} == true ]]; then terraform -chdir="$dir" destroy -input=false -auto-approve; else terraform -chdir="$dir" destroy; fi
    ;;
  *) usage ;;
esac
