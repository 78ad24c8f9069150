#!/usr/bin/env bash
# bench-access.sh — the walk-network engine's figures for `make bench` (docs/performance.md):
# the demo district and `gen-demo -scale 50`, each imported into a fresh database of its own,
# measured by cmd/accessbench. Prints Markdown. SCALE overrides 50.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
fi
scale=${SCALE:-50}
go build -o bin/accessbench ./cmd/accessbench

fresh() { # fresh NAME: a new empty database on the same server; prints its URL
  local url
  url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$1\1#")
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null 2>&1
  printf '%s' "$url"
}

echo "## Walk network (living circles, coverage, what-ifs) — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
./bin/accessbench -h 2>&1 | sed -n 2p
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
for s in 1 "$scale"; do
  db=renewmap_accessbench_$s
  url=$(fresh "$db")
  ./bin/accessbench -database-url "$url" -import -scale "$s"
  psql "$DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
done
