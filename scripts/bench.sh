#!/usr/bin/env bash
# bench.sh — `make bench`: serves the demo district from a fresh database of its own and measures
# it. Prints Markdown to paste into docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL=$(bash scripts/pg.sh start)
fi
db=renewmap_bench
admin=$DATABASE_URL
url=$(printf '%s' "$DATABASE_URL" | sed -E "s#/[^/?]+(\?|$)#/$db\1#")
psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"

go build -o bin/renewmap ./cmd/renewmap
go build -o bin/renewbench ./cmd/renewbench
log=$(mktemp)
DATABASE_URL=$url ./bin/renewmap serve -addr 127.0.0.1:0 -load-demo >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
base=""
for _ in $(seq 1 240); do
  base=${base:-$(grep -o 'url=http://[0-9.:]*' "$log" | head -n 1 | cut -d= -f2 || true)}
  [ -n "$base" ] && curl -sf "$base/readyz" >/dev/null && break
  sleep 0.5
done
[ -n "$base" ] && curl -sf "$base/readyz" >/dev/null || { cat "$log"; echo "bench: server not ready" >&2; exit 1; }

# A designer sees every layer, pipelines included: measure with one.
pw=$(DATABASE_URL=$url ./bin/renewmap user add bench -role designer | sed -n 's/^password: //p')
cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"username\":\"bench\",\"password\":\"$pw\"}" "$base/api/v1/login" | sed -n 's/^Set-Cookie: \(renewmap_session=[^;]*\).*/\1/ip')
[ -n "$cookie" ] || { echo "bench: login failed" >&2; exit 1; }

# Measure once the walk network's results (circles, blind spots) are stored, so the overlays have
# their data and the background work does not compete with the measurements.
bash scripts/wait-results.sh "$base" "$cookie"

echo "## Tiles — $(date -u +%Y-%m-%d), $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo
echo "### Composite tiles (/tiles/all), demo district"
./bin/renewbench tiles -base "$base" -bbox 124.325,43.145,124.375,43.185 -cookie "$cookie" -layer all -clients 1,4,16 -duration 8s
echo
echo "### Buildings layer only (/tiles/buildings)"
./bin/renewbench tiles -base "$base" -bbox 124.325,43.145,124.375,43.185 -cookie "$cookie" -layer buildings -minzoom 14 -clients 1,16 -duration 5s
# The analysis overlays, outside the composite tile: loaded by the map only while shown.
for layer in living_circles coverage dig_once; do
  echo
  echo "### Overlay $layer (/tiles/$layer), uncached"
  ./bin/renewbench tiles -base "$base" -bbox 124.325,43.145,124.375,43.185 -cookie "$cookie" -layer "$layer" -minzoom 13 -clients 1 -duration 1s
done

# Mixed load (SPEC §9.2): 64 clients for 60 s as a viewer, a planner and a designer.

users="designer:bench:$pw"
for role in viewer planner; do
  p=$(DATABASE_URL=$url ./bin/renewmap user add "bench-$role" -role "$role" | sed -n 's/^password: //p')
  users="$users,$role:bench-$role:$p"
done
echo
echo "### Mixed load"
./bin/renewbench load -base "$base" -users "$users" -clients 64 -duration 60s -pid "$pid"


# A working day (docs/tile-cache.md): 16 clients browse composite tiles while a planner edits a
# plan every second and a building moves every 10 s.
vpw=$(DATABASE_URL=$url ./bin/renewmap user add day-viewer -role viewer | sed -n 's/^password: //p')
ppw=$(DATABASE_URL=$url ./bin/renewmap user add day-planner -role planner | sed -n 's/^password: //p')
echo
echo "### A working day: tiles while people edit"
./bin/renewbench day -base "$base" -viewer "day-viewer:$vpw" -planner "day-planner:$ppw" -database-url "$url" -clients 16 -duration 60s

echo
# The walk-network engine: the demo district and its 50× copy, each in a database of its own.
DATABASE_URL=$admin bash scripts/bench-access.sh

echo
# Streaming downloads: the server's memory while 236,000 features stream out (scale 50).
DATABASE_URL=$admin bash scripts/bench-download.sh

echo
# Side by side with pg_tileserv and pg_featureserv, when they are on PATH (skipped otherwise).
DATABASE_URL=$admin bash scripts/bench-peers.sh

# The scale check (district next to gen-demo -scale 50, docs/scaling.md) takes minutes: on request.
if [ "${BENCH_SCALE:-}" = 1 ]; then echo; DATABASE_URL=$admin bash scripts/bench-scale.sh; fi
