#!/usr/bin/env bash
# wait-results.sh BASE COOKIE — waits (up to 30 min) until the server's walk network has stored its
# derived results (living circles, blind spots), so that a benchmark measures the service at rest
# and with every layer's data, not the background work. The bench scripts run it.
set -euo pipefail
base=$1 cookie=$2
for _ in $(seq 1 1800); do
  st=$(curl -s -b "$cookie" "$base/api/v1/access/status" || true)
  if printf '%s' "$st" | grep -Eq '"circles":\{"state":"(done|current)"' &&
    printf '%s' "$st" | grep -Eq '"blind_spots":\{"state":"(done|current)"'; then
    exit 0
  fi
  case "$st" in *'"state":"failed"'*) echo "wait-results: $st" >&2; exit 1 ;; esac
  sleep 1
done
echo "wait-results: the walk network's results are not stored after 30 min" >&2
exit 1
