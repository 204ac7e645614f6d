#!/usr/bin/env bash
# make plan-comment PLANS=<dir> PR=<number>: writes the summaries `make plan` left in <dir> (<env>.md)
# into the pull request's one plan comment: the comment that carries the marker below is edited in
# place, or created when there is none. Needs the gh CLI with GH_TOKEN (pull-requests: write) and
# GITHUB_REPOSITORY (owner/name); RUN_URL, when set, links the run with the plan files.
set -euo pipefail

MARKER='<!-- agentfleet:plan-comment -->'
ENVIRONMENTS=(dev staging prod)

(( $# == 2 )) || { echo "usage: scripts/plan-comment.sh PLANS_DIR PR_NUMBER" >&2; exit 2; }
plans=$1
pr=$2
[[ $pr =~ ^[0-9]+$ ]] || { echo "plan-comment: PR must be a pull request number, got \"$pr\"" >&2; exit 2; }
[[ -n ${GITHUB_REPOSITORY:-} ]] || { echo "plan-comment: GITHUB_REPOSITORY (owner/name) is not set" >&2; exit 2; }
command -v gh >/dev/null || { echo "plan-comment: the gh CLI is not installed" >&2; exit 1; }

body() {
  echo "$MARKER"
  echo "## terraform plan"
  for env in "${ENVIRONMENTS[@]}"; do
    echo
    if [[ -f $plans/$env.md ]]; then
      cat "$plans/$env.md"
    elif [[ $env == prod ]]; then
      echo "### prod: not planned yet: it plans once a reviewer approves the \`prod-plan\` environment"
    else
      echo "### $env: no plan: see the run's log"
    fi
  done
  echo
  echo "Plan files (binary plan, full text, commit stamp): ${RUN_URL:-"the run's artifacts"}."
}

text=$(body)
# The marker line is ours alone: the first comment that starts with it is the one to edit.
existing=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$pr/comments" --jq ".[] | select(.body | startswith(\"$MARKER\")) | .id")
existing=${existing%%$'\n'*}
if [[ -n $existing ]]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -f body="$text" >/dev/null
  echo "plan-comment: updated comment $existing on #$pr"
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$pr/comments" -f body="$text" >/dev/null
  echo "plan-comment: commented on #$pr"
fi
