#!/usr/bin/env bash
# fuzz.sh [SECONDS] — a short run of every fuzz target (func FuzzX in a _test.go file) for
# SECONDS each (default 5), on top of their seed corpora that plain `go test` already replays.
# `make test` runs it; `make fuzz` runs it longer.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg=./$(dirname "${file#./}")
  for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | sed 's/^func //'); do
    echo "fuzz.sh: $pkg $target (${secs}s)"
    log=$(mktemp)
    if ! go test -run='^$' -fuzz="^${target}\$" -fuzztime="${secs}s" "$pkg" >"$log" 2>&1; then
      # A real finding is saved under testdata/fuzz and fails its replay; anything else (a worker
      # that the loaded machine starved, say) is reported and the run tried once more.
      cat "$log"
      go test -run="^${target}\$" "$pkg"
      echo "fuzz.sh: $target failed without a finding; once more"
      go test -run='^$' -fuzz="^${target}\$" -fuzztime="${secs}s" "$pkg" >"$log" 2>&1 || { cat "$log"; rm -f "$log"; exit 1; }
    fi
    rm -f "$log"
  done
done
