#!/usr/bin/env bash
# The tests start their own servers; this names any program they need that is missing, up front,
# instead of letting a test fail with a spawn error.
set -euo pipefail
missing=()
for tool in redis-server moto_server terraform; do command -v "$tool" >/dev/null || missing+=("$tool"); done
if (( ${#missing[@]} )); then
  echo "make test needs: ${missing[*]} (redis-server: apt-get install redis-server; moto_server: pip install 'moto[server]'; terraform >= 1.11)" >&2
  exit 1
fi
