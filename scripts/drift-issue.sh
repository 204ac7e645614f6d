#!/usr/bin/env bash
# make drift-issue ENV=<env> REPORTS=<dir>: one open issue per environment for drift. Reads what
# `make drift` left in <dir> (<env>.drift: clean, drift or error; <env>.md: the resources that differ):
# drift opens the environment's issue, or rewrites the open one; clean closes it; an error or a missing
# result fails, leaving the issue as it is. The issue is found by the marker in its body. Needs the gh
# CLI with GH_TOKEN (issues: write) and GITHUB_REPOSITORY; RUN_URL, when set, links the run.
set -euo pipefail

(( $# == 2 )) || { echo "usage: scripts/drift-issue.sh ENV REPORTS_DIR" >&2; exit 2; }
env=$1
reports=$2
[[ $env =~ ^(dev|staging|prod)$ ]] || { echo "drift-issue: unknown ENV \"$env\": expected dev, staging or prod" >&2; exit 2; }
[[ -n ${GITHUB_REPOSITORY:-} ]] || { echo "drift-issue: GITHUB_REPOSITORY (owner/name) is not set" >&2; exit 2; }
command -v gh >/dev/null || { echo "drift-issue: the gh CLI is not installed" >&2; exit 1; }

marker="<!-- agentfleet:drift:$env -->"
result=$(cat "$reports/$env.drift" 2>/dev/null || echo missing)
run=${RUN_URL:-"the drift workflow's latest run"}

existing=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues?state=open&per_page=100" \
  --jq ".[] | select(.pull_request == null) | select((.body // \"\") | startswith(\"$marker\")) | .number")
existing=${existing%%$'\n'*}

case $result in
  drift)
    body=$(printf '%s\n%s differs from main: a plan of main would change what runs.\n\n%s\n\nFull plan: %s. Apply main again (`make deploy ENV=%s`) or bring the change into the code; this issue closes itself after the first clean nightly check.\n' \
      "$marker" "$env" "$(cat "$reports/$env.md")" "$run" "$env")
    if [[ -n $existing ]]; then
      gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/$existing" -f body="$body" >/dev/null
      echo "drift-issue: $env has drifted; updated #$existing"
    else
      gh api --method POST "repos/$GITHUB_REPOSITORY/issues" -f title="Drift: $env differs from main" -f body="$body" >/dev/null
      echo "drift-issue: $env has drifted; opened an issue"
    fi
    ;;
  clean)
    if [[ -n $existing ]]; then
      gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$existing/comments" -f body="$env matches main again ($run)." >/dev/null
      gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/$existing" -f state=closed >/dev/null
      echo "drift-issue: $env is clean; closed #$existing"
    else
      echo "drift-issue: $env is clean"
    fi
    ;;
  *)
    echo "drift-issue: the drift check of $env did not finish (result: $result); see $run" >&2
    exit 1
    ;;
esac
